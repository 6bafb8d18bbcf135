// Pricing, client-safe surface: the price catalog's shape and exact cost arithmetic (pure).
export { loadCatalog, priceEntrySchema, toPrice, type PriceEntry } from "./catalog";
export { computeCostPicos } from "./compute";
