// Analytics, server surface: the list and stats routers and the query pieces other features
// build on (the export's aggregate plans, the prompts list's metrics, raw-window conditions).
export { breakdownRouter, eventsRouter, featuresRouter, modelsRouter, sessionsRouter, statsRouter, usersRouter } from "./router";
export { attributionQuery, topUsersByCost, sourceFor, toBreakdownItem, userItems, type BreakdownItem, type UserItem } from "./attribution-lists";
export { attributionParts, attributionRowSchema, groupSources, type AttributionRow, type GroupSource } from "./attribution-sql";
export { isPromoted, promoteMetadataKey, listPromotedKeys } from "./promoted-keys";
export { sessionRowSchema, sessionsQuery, toSessionItem, type SessionItem } from "./sessions-list";
export { aggregateItems, aggregatesQuery, type AggregateItem, type AggregateRow } from "./aggregates";
export { metricsRowSchema, toMetrics, type Metrics, type MetricsRow } from "./usage-sql";
export { eventFieldSql } from "./event-fields-sql";
export { directEventsList } from "./events-direct";
export { rawConditions, rollupCanAnswer, rollupConditions } from "./window";
export { getSummary } from "./stats";
export { percentileFromBuckets } from "./percentile";
