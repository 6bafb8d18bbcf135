// Pricing, server surface: the pricer ingestion uses, catalog sync at start, repricing history.
export { getPricer, invalidatePrices, type Pricer } from "./pricer";
export { entryToRow, rowToEntry } from "./price-rows";
export { repriceProject } from "./reprice";
export { syncPriceCatalog } from "./sync-catalog";
export { eventReceipt, type Receipt } from "./receipt";
