// Settings, server surface: keys, prices and projects routers, and key creation for tests/CLIs.
export { keysRouter, pricesRouter, projectsRouter } from "./router";
export { createKey } from "./keys";
