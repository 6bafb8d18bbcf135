import { sql } from "drizzle-orm";
import { type AnyPgColumn, bigint, bigserial, numeric, timestamp, uuid } from "drizzle-orm/pg-core";
import { projects } from "./projects";

// Column builders shared by the schema files (not tables: not re-exported by index.ts).
export const counter = (name: string) => bigint(name, { mode: "bigint" }).notNull();
export const costSum = (name: string) => numeric(name, { precision: 30, scale: 12 }).notNull();

// The token counters every rollup keeps (summed exactly as bigint).
export const tokenCounters = () => ({
  inputTokens: counter("input_tokens"),
  outputTokens: counter("output_tokens"),
  cachedInputTokens: counter("cached_input_tokens"),
  cacheWriteTokens: counter("cache_write_tokens"),
  reasoningTokens: counter("reasoning_tokens"),
});

/** The metrics of the usage and attribution rollups: calls, tokens, exact cost and latency sums. */
export const usageMetrics = () => ({
  calls: counter("calls"),
  errors: counter("errors"),
  unpricedCalls: counter("unpriced_calls"),
  ...tokenCounters(),
  costUsd: costSum("cost_usd"),
  latencyCount: counter("latency_count"),
  latencySumMs: counter("latency_sum_ms"),
});


export const tstz = (name: string) => timestamp(name, { withTimezone: true });
export const createdAt = () => tstz("created_at").notNull().defaultNow();
export const uuidId = () => uuid("id").primaryKey().default(sql`gen_random_uuid()`);
export const serialId = () => bigserial("id", { mode: "bigint" }).primaryKey();
/** The owning project; its rows go with it. */
export const projectRef = () =>
  uuid("project_id")
    .notNull()
    .references((): AnyPgColumn => projects.id, { onDelete: "cascade" });
