import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { costSum, counter, usageMetrics } from "./columns";

// Attribution rollups: usage per end user, tag and promoted metadata value, per day and per hour,
// one table per period with the dimension in a column (dim = 'user' | 'tag' | 'meta:<key>').
// key '' is "events without the dimension" (user ids and tags are never empty; an empty metadata
// value counts as none). Kept exact like usage_hourly/usage_daily: the SQL that maintains them is
// src/server/rollups/attribution-fold-sql.ts, written to run in the fold (see that file).
const attributionColumns = () => ({
  // No foreign key on tables written per event (see rollups.ts); deleteProject() clears them.
  projectId: uuid("project_id").notNull(),
  dim: text("dim").notNull(),
  key: text("key").notNull(),
  ...usageMetrics(),
  firstSeen: timestamp("first_seen", { withTimezone: true }).notNull(),
  lastSeen: timestamp("last_seen", { withTimezone: true }).notNull(),
});

// The (project_id, dim, key, period) indexes serve reads of chosen keys (topUsersByCost).
export const attributionHourly = pgTable(
  "attribution_hourly",
  { hour: timestamp("hour", { withTimezone: true }).notNull(), ...attributionColumns() },
  (t) => [primaryKey({ columns: [t.projectId, t.dim, t.hour, t.key] }), index("attribution_hourly_key_idx").on(t.projectId, t.dim, t.key, t.hour)],
);

export const attributionDaily = pgTable(
  "attribution_daily",
  { day: timestamp("day", { withTimezone: true }).notNull(), ...attributionColumns() },
  (t) => [primaryKey({ columns: [t.projectId, t.dim, t.day, t.key] }), index("attribution_daily_key_idx").on(t.projectId, t.dim, t.key, t.day)],
);

// Every end user's folded usage of all time, and when they were first and last seen (maintained by
// the fold, moved by repricing): an upper bound of the user's cost in any window, read in cost order
// by topUsersByCost, and the user's exact figures in any window that holds all of their events.
export const userTotals = pgTable(
  "user_totals",
  {
    projectId: uuid("project_id").notNull(),
    userId: text("user_id").notNull(),
    ...usageMetrics(),
    firstSeen: timestamp("first_seen", { withTimezone: true }).notNull(),
    lastSeen: timestamp("last_seen", { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    // INCLUDE (first_seen, last_seen) in the database (drizzle/0025; the index builder has no
    // INCLUDE): a deep page finds the users the window cuts before its cursor index-only.
    index("user_totals_cost_idx").on(t.projectId, t.costUsd.desc(), t.userId),
  ],
);

// Each end user's folded calls and cost per feature (kind 'feature') and per model (kind 'model') of all
// time: their costliest feature and model when the window holds all of their events.
export const userMixTotals = pgTable(
  "user_mix_totals",
  {
    projectId: uuid("project_id").notNull(),
    userId: text("user_id").notNull(),
    kind: text("kind").notNull(),
    value: text("value").notNull(),
    calls: counter("calls"),
    costUsd: costSum("cost_usd"),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId, t.kind, t.value] })],
);

// The metadata keys a project rolls up (at most MAX_PROMOTED_KEYS): grouping by any other key
// reads raw events. Promoting a key backfills its rollup rows from the events already stored.
export const promotedMetadataKeys = pgTable(
  "promoted_metadata_keys",
  {
    projectId: uuid("project_id").notNull(),
    key: text("key").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.key] })],
);

