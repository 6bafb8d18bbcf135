import { sql } from "drizzle-orm";
import { bigint, check, pgTable, primaryKey, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { costSum, counter, tokenCounters, usageMetrics } from "./columns";
import { pgSnapshot } from "./projects";

const rollupKey = () => ({
  // No foreign key on tables written per event: the per-row check costs ~15% of ingestion;
  // projects are only ever deleted through deleteProject(), which clears these rows.
  projectId: uuid("project_id").notNull(),
  feature: text("feature").notNull(),
  model: text("model").notNull(),
  provider: text("provider").notNull(),
});

// Maintained by the fold (src/server/rollups/fold.ts), off the ingestion path; every read adds the
// events not folded yet, so a figure always agrees with a full scan of cost_events.
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

// Log-scale latency histograms (src/lib/latency.ts: a percentile is exact to one bucket), kept per
// dimension rather than per full rollup key:
// dim 'feature' (key1 = feature), 'model' (key1 = provider, key2 = model), 'all' (both '').
const latencyKey = () => ({
  // No foreign key on tables written per event: the per-row check costs ~15% of ingestion;
  // projects are only ever deleted through deleteProject(), which clears these rows.
  projectId: uuid("project_id").notNull(),
  dim: text("dim", { enum: ["feature", "model", "all"] }).notNull(),
  key1: text("key1").notNull(),
  key2: text("key2").notNull(),
});

export const latencyHourly = pgTable(
  "latency_hourly",
  { hour: timestamp("hour", { withTimezone: true }).notNull(), ...latencyKey(), bucket: smallint("bucket").notNull(), calls: counter("calls") },
  (t) => [primaryKey({ columns: [t.projectId, t.dim, t.hour, t.key1, t.key2, t.bucket] })],
);

// One row per day and key: the day's histogram packed as its non-empty buckets ascending and their
// counts, so a list's 30-day p95 reads 30 rows per key, not 30 × its buckets (drizzle/0026).
export const latencyDaily = pgTable(
  "latency_daily",
  {
    ...latencyKey(),
    day: timestamp("day", { withTimezone: true }).notNull(),
    buckets: smallint("buckets").array().notNull(),
    counts: bigint("counts", { mode: "bigint" }).array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.dim, t.key1, t.key2, t.day] })],
);

// One row: the snapshot of the last committed fold. An event is in the rollups (and in the
// prompts' counters) exactly when its xid is visible in this snapshot; see src/server/rollups/.
export const rollupFoldState = pgTable(
  "rollup_fold_state",
  {
    id: smallint("id").primaryKey(),
    snap: pgSnapshot("snap").notNull(),
    folds: counter("folds").default(sql`0`),
    foldedEvents: counter("folded_events").default(sql`0`),
    foldedAt: timestamp("folded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("rollup_fold_state_one_row_ck", sql`${t.id} = 1`)],
);

// The token mix of every call, per UTC day, feature, model, service tier and prompt-size band
// (src/lib/token-bands.ts: the catalog's long-context thresholds, their cliff margins and context
// windows are band boundaries). Token sums per band are enough to reprice a window exactly under
// any catalog price: within a band every call is on the same side of every threshold, and cost
// is linear in tokens on each side. Maintained by src/server/rollups/token-mix.ts.
export const tokenMixDaily = pgTable(
  "token_mix_daily",
  {
    projectId: uuid("project_id").notNull(),
    day: timestamp("day", { withTimezone: true }).notNull(),
    feature: text("feature").notNull(),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    serviceTier: text("service_tier").notNull(),
    band: smallint("band").notNull(),
    calls: counter("calls"),
    unpricedCalls: counter("unpriced_calls"),
    reportedCalls: counter("reported_calls"),
    ...tokenCounters(),
    maxInputTokens: counter("max_input_tokens"),
    costUsd: costSum("cost_usd"),
    reportedCostUsd: costSum("reported_cost_usd"),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.feature, t.provider, t.model, t.serviceTier, t.band] })],
);
