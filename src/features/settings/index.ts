// Settings, client-safe surface: API keys, custom prices and the project switcher.
export { ApiKeys } from "./components/api-keys";
export { CustomPrices } from "./components/custom-prices";
export { ProjectSwitcher } from "./components/project-switcher";
