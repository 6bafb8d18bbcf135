// Insights, client-safe surface: the what-if and prompt-cache panels and the procedures' inputs.
export { CacheOpportunitiesPanel } from "./components/cache-panel";
export { WhatIfPanel } from "./components/what-if-panel";
export { insightsFiltersSchema, whatIfInputSchema, type WhatIfInput, type WhatIfTarget } from "./schemas";
export { CACHE_RULES, type CacheRule } from "./cache-rules";
