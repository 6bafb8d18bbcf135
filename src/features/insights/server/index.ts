// Insights, server surface: the insights router (what-if on real traffic, tier cliffs, prompt-cache
// opportunities) and the token-mix reader the FOCUS export prices from.
export { insightsRouter } from "./router";
export { cacheOpportunities } from "./cache-opportunities";
export { tierCliffs } from "./tier-cliffs";
export { whatIf } from "./what-if";
export { dayWindow, readMix, tokenMixRollup, type MixRow } from "./mix";
