// The column contract of every list and export: a name and a kind that decides how values are written.

/**
 * How a column's values are typed, which decides how they are written:
 * - text: user-supplied strings (prompt, feature, error…) — neutralised in CSV against formulas
 * - json: JSON text from the database (metadata) — neutralised in CSV, embedded as JSON in JSON
 * - integer / number: JS numbers; decimal / id: exact digit strings (costs, bigint ids) — never neutralised
 * - timestamp: ISO-8601 text we produce ourselves; boolean
 */
export type ColumnKind = "text" | "json" | "integer" | "number" | "decimal" | "id" | "timestamp" | "boolean";
export type Column = { name: string; kind: ColumnKind };

export const col = (name: string, kind: ColumnKind): Column => ({ name, kind });

// The token counts and the exact cost, in this order, in events and in every usage metric.
export const TOKENS_AND_COST: readonly Column[] = [
  col("inputTokens", "integer"),
  col("outputTokens", "integer"),
  col("cachedInputTokens", "integer"),
  col("cacheWriteTokens", "integer"),
  col("reasoningTokens", "integer"),
  col("costUsd", "decimal"),
];
