import { index, integer, numeric, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
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
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId, t.kind, t.value] }),
    // INCLUDE (calls) in the database (drizzle/0030): each kind's costliest value of a user is
    // the first entry of its range.
    index("user_mix_totals_top_idx").on(t.projectId, t.userId, t.kind, t.costUsd.desc(), t.value),
  ],
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


// Each end user's folded usage since the anchor of a standard window length (1, 7, 30 and 90
// days): what user_totals is to all time, for the last N days. The fold adds new events at or
// after each anchor; the anchor follows the clock (hour by hour, subtracting the user rows of
// attribution_hourly it leaves behind, first_seen moved to the user's next folded event), so a
// window of the last N days cuts only the users seen in the hour or so between the anchor and its
// start, however old the data is (topUsersByCost). Anchors are built on the first fold
// (src/server/rollups/recent-totals.ts).
export const userRecentTotals = pgTable(
  "user_recent_totals",
  {
    projectId: uuid("project_id").notNull(),
    spanDays: integer("span_days").notNull(),
    userId: text("user_id").notNull(),
    ...usageMetrics(),
    firstSeen: timestamp("first_seen", { withTimezone: true }).notNull(),
    lastSeen: timestamp("last_seen", { withTimezone: true }).notNull(),
    // The user's cost in the anchor's own hour: an upper bound of what a window starting in that
    // hour leaves out, read with the row (a deep page's cut users need no probe each).
    anchorHourCost: numeric("anchor_hour_cost", { precision: 30, scale: 12 }).notNull().default("0"),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.spanDays, t.userId] }),
    // INCLUDE (first_seen, last_seen, anchor_hour_cost) in the database (drizzle/0028).
    index("user_recent_totals_cost_idx").on(t.projectId, t.spanDays, t.costUsd.desc(), t.userId),
  ],
);

// The anchor of each window length: user_recent_totals rows of that span hold the folded events
// at or after it. One row per span for every project (a reference table on Citus).
export const userRecentAnchors = pgTable("user_recent_anchors", {
  spanDays: integer("span_days").primaryKey(),
  anchor: timestamp("anchor", { withTimezone: true }).notNull(),
});
