// Settings, server surface: keys, prices and projects routers, and key creation for tests/CLIs.
export { keysRouter, pricesRouter, projectSettingsRouter, projectsRouter } from "./router";
export { setTimeZone } from "./project-settings";
export { createKey } from "./keys";
