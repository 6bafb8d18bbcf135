// Pricing, client-safe surface: the price catalog's shape and exact cost arithmetic (pure).
export { loadCatalog, priceEntrySchema, toPrice, type Price, type PriceEntry, type Rates } from "./catalog";
export { computeCostBreakdown, computeCostPicos, computeTierCostPicos, ratesFor, type CostBreakdown, type TokenUsage } from "./compute";
export { createPriceResolver, type PriceResolver } from "./resolve";
