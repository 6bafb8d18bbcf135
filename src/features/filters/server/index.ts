// The filters feature's server surface: the filter bar's choices (filters.options).
export { filtersRouter } from "./router";
export { getFilterOptions } from "./filter-options";
