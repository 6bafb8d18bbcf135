import { bigint, numeric, pgTable, primaryKey, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { projects } from "./projects";

const usageMetrics = () => ({
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
});

const rollupKey = () => ({
  projectId: uuid("project_id")
    .notNull()
    .references(() => projects.id, { onDelete: "cascade" }),
  feature: text("feature").notNull(),
  model: text("model").notNull(),
  provider: text("provider").notNull(),
});

// Maintained in the ingestion statement itself, so they always agree with cost_events.
// Hourly rows answer partial days; daily rows keep a 30-day aggregate to a few thousand rows.
export const usageHourly = pgTable(
  "usage_hourly",
  { ...rollupKey(), hour: timestamp("hour", { withTimezone: true }).notNull(), ...usageMetrics() },
  (t) => [primaryKey({ columns: [t.projectId, t.hour, t.feature, t.model, t.provider] })],
);

export const usageDaily = pgTable(
  "usage_daily",
  { ...rollupKey(), day: timestamp("day", { withTimezone: true }).notNull(), ...usageMetrics() },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.feature, t.model, t.provider] })],
);

// Log-scale latency histogram per rollup key: p95 from it is exact to one bucket (see src/lib/latency.ts).
export const latencyHourly = pgTable(
  "latency_hourly",
  {
    ...rollupKey(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    bucket: smallint("bucket").notNull(),
    calls: bigint("calls", { mode: "bigint" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.hour, t.feature, t.model, t.provider, t.bucket] })],
);

export const latencyDaily = pgTable(
  "latency_daily",
  {
    ...rollupKey(),
    day: timestamp("day", { withTimezone: true }).notNull(),
    bucket: smallint("bucket").notNull(),
    calls: bigint("calls", { mode: "bigint" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.feature, t.model, t.provider, t.bucket] })],
);
