// Pricing, client-safe surface: the price catalog's shape and exact cost arithmetic (pure).
export { loadCatalog, priceEntrySchema, toPrice, type Price, type PriceEntry, type Rates } from "./catalog";
export {
  computeCostBreakdown,
  computeCostPicos,
  computeTierCostPicos,
  costOfTokenSums,
  ratesFor,
  unitRates,
  type CostBreakdown,
  type TokenSums,
  type TokenUsage,
} from "./compute";
export { canonicalProvider } from "./resolve";
export { createPriceResolver, type PriceResolver } from "./resolve";
