// Analytics, server surface: the list and stats routers and the query pieces other features
// build on (the export's aggregate plans, the prompts list's metrics, raw-window conditions).
export { eventsRouter, featuresRouter, modelsRouter, statsRouter } from "./router";
export { aggregateItems, aggregatesQuery, type AggregateItem, type AggregateRow } from "./aggregates";
export { toMetrics, type Metrics, type MetricsRow } from "./usage-sql";
export { rawConditions, rollupCanAnswer, rollupConditions } from "./window";
export { getSummary } from "./stats";
export { percentileFromBuckets } from "./percentile";
