import { bigint, numeric, pgTable, primaryKey, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { projects } from "./projects";

// Maintained in the ingestion statement itself, so it always agrees with cost_events.
export const usageHourly = pgTable(
  "usage_hourly",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    feature: text("feature").notNull(),
    model: text("model").notNull(),
    provider: text("provider").notNull(),
    calls: bigint("calls", { mode: "bigint" }).notNull(),
    errors: bigint("errors", { mode: "bigint" }).notNull(),
    unpricedCalls: bigint("unpriced_calls", { mode: "bigint" }).notNull(),
    inputTokens: bigint("input_tokens", { mode: "bigint" }).notNull(),
    outputTokens: bigint("output_tokens", { mode: "bigint" }).notNull(),
    cachedInputTokens: bigint("cached_input_tokens", { mode: "bigint" }).notNull(),
    cacheWriteTokens: bigint("cache_write_tokens", { mode: "bigint" }).notNull(),
    reasoningTokens: bigint("reasoning_tokens", { mode: "bigint" }).notNull(),
    costUsd: numeric("cost_usd", { precision: 30, scale: 12 }).notNull(),
    latencyCount: bigint("latency_count", { mode: "bigint" }).notNull(),
    latencySumMs: bigint("latency_sum_ms", { mode: "bigint" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.hour, t.feature, t.model, t.provider] })],
);

// Log-scale latency histogram per rollup key: p95 from it is exact to one bucket (see src/lib/latency.ts).
export const latencyHourly = pgTable(
  "latency_hourly",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    feature: text("feature").notNull(),
    model: text("model").notNull(),
    provider: text("provider").notNull(),
    bucket: smallint("bucket").notNull(),
    calls: bigint("calls", { mode: "bigint" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.hour, t.feature, t.model, t.provider, t.bucket] })],
);
