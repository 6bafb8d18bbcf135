import { col, TOKENS_AND_COST, type Column } from "./columns";

/**
 * The one table of an event's fields: the events list selects them (features/analytics/server/
 * events-list.ts, with the SQL of event-fields-sql.ts beside it), the events export writes them in this order and the
 * OpenAPI document describes them. `prompt` (the full text) is in the export only: the list links
 * the prompt by id.
 */
export const EVENT_COLUMNS: readonly Column[] = [
  col("eventId", "text"),
  col("timestamp", "timestamp"),
  col("provider", "text"),
  col("model", "text"),
  col("feature", "text"),
  col("userId", "text"),
  col("sessionId", "text"),
  ...TOKENS_AND_COST,
  col("costSource", "text"),
  col("latencyMs", "integer"),
  col("status", "text"),
  col("errorMessage", "text"),
  col("promptId", "id"),
  col("prompt", "text"),
  col("metadata", "json"),
  col("tags", "json"),
];
