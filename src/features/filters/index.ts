// The filters feature: the dashboard's filter bar fed with the choices that exist in the window.
export { DashboardFilterBar } from "./components/dashboard-filter-bar";
export { filterOptionsQuery } from "./queries";
export { filterOptionsInputSchema } from "./schemas";
