import "server-only";
import type { TransactionSql } from "postgres";

/*
 * user_recent_totals: each end user's folded usage since the anchor of a window length (schema:
 * src/server/db/schema/attribution.ts). The fold adds new events at or after each anchor (its
 * CTE in attribution-fold-sql.ts); here, after each fold in a transaction holding FOLD_LOCK (no
 * fold or repricing moves anything meanwhile), each anchor is built once and then follows the clock
 * to the hour `span` days ago. Anchors are whole hours, so the usage an advance leaves behind is
 * exactly the user rows of attribution_hourly in between (folded events only, like the totals):
 * those are subtracted, users left with no call are dropped, and the others' first_seen moves
 * to their first folded event at or after the new anchor (the first_seen of their first hourly
 * row from there), so it stays exact; each row's cost in the anchor's own hour is reset to the
 * new anchor hour's.
 */

/** The window lengths kept (the dashboard's presets of a day or more). */
export const RECENT_SPANS_DAYS = [1, 7, 30, 90] as const;

const SUMMED = ["calls", "errors", "unpriced_calls", "input_tokens", "output_tokens", "cached_input_tokens",
  "cache_write_tokens", "reasoning_tokens", "cost_usd", "latency_count", "latency_sum_ms"];

// The user rows of attribution_hourly from $1 (inclusive) to $2 (exclusive; NULL: no end), per
// project and user, through each project's primary-key range (projects as an array: joined, the
// planner, which cannot know how few projects there are, scanned the whole table — 1.5 s at 5M
// events for an hour of 99 rows, against 5 ms this way).
const HOURLY_USERS = `SELECT h.project_id, h.key AS user_id, ${SUMMED.map((m) => `sum(h.${m}) AS ${m}`).join(", ")},
    min(h.first_seen) AS first_seen, max(h.last_seen) AS last_seen,
    coalesce(sum(h.cost_usd) FILTER (WHERE h.hour = $1::timestamptz), 0) AS anchor_hour_cost
  FROM attribution_hourly h
  WHERE h.project_id = ANY(ARRAY(SELECT id FROM projects)) AND h.dim = 'user' AND h.key <> ''
    AND h.hour >= $1::timestamptz AND ($2::timestamptz IS NULL OR h.hour < $2::timestamptz)
  GROUP BY 1, 2`;

const BUILD = `INSERT INTO user_recent_totals (project_id, span_days, user_id, ${SUMMED.join(", ")}, first_seen, last_seen, anchor_hour_cost)
  SELECT project_id, $3::int, user_id, ${SUMMED.join(", ")}, first_seen, last_seen, anchor_hour_cost FROM (${HOURLY_USERS}) g ORDER BY 1, 3`;

// Users whose every call since the old anchor is before the new one.
const DROP_GONE = `WITH g AS (${HOURLY_USERS})
  DELETE FROM user_recent_totals t USING g
  WHERE t.project_id = g.project_id AND t.span_days = $3::int AND t.user_id = g.user_id AND t.calls = g.calls`;

const SUBTRACT = `WITH g AS (${HOURLY_USERS})
  UPDATE user_recent_totals t SET ${SUMMED.map((m) => `${m} = t.${m} - g.${m}`).join(", ")}, anchor_hour_cost = 0,
    first_seen = CASE WHEN t.first_seen >= $2::timestamptz THEN t.first_seen ELSE coalesce((
      SELECT h.first_seen FROM attribution_hourly h
      WHERE h.project_id = t.project_id AND h.dim = 'user' AND h.key = t.user_id AND h.hour >= $2::timestamptz
      ORDER BY h.hour LIMIT 1), t.first_seen) END
  FROM g WHERE t.project_id = g.project_id AND t.span_days = $3::int AND t.user_id = g.user_id`;

// The cost in the new anchor's hour of the users seen in it (the others' is 0: those of the old
// anchor's hour were reset by SUBTRACT).
const SET_ANCHOR_HOUR = `UPDATE user_recent_totals t SET anchor_hour_cost = h.cost_usd
  FROM attribution_hourly h
  WHERE h.project_id = ANY(ARRAY(SELECT id FROM projects)) AND h.dim = 'user' AND h.key <> '' AND h.hour = $1::timestamptz
    AND t.project_id = h.project_id AND t.span_days = $2::int AND t.user_id = h.key`;

type AnchorRow = { span_days: number; anchor: Date | null; due: Date };

/**
 * Builds missing anchors and moves each to the hour `span` days ago (FOLD_LOCK held by the caller).
 * True when an anchor was built or moved (rows of user_recent_totals rewritten).
 */
export async function advanceRecentTotals(tx: TransactionSql): Promise<boolean> {
  const rows = await tx.unsafe<AnchorRow[]>(
    `SELECT s.d AS span_days, a.anchor, date_trunc('hour', now() - make_interval(days => s.d), 'UTC') AS due
     FROM unnest($1::int[]) s(d) LEFT JOIN user_recent_anchors a ON a.span_days = s.d`,
    [[...RECENT_SPANS_DAYS]],
  );
  let changed = false;
  for (const r of rows) {
    const due = new Date(r.due).toISOString();
    if (r.anchor === null) {
      await buildRecentSpan(tx, r.span_days, due);
      changed = true;
    } else if (new Date(r.anchor).getTime() < new Date(r.due).getTime()) {
      changed = true;
      const params = [new Date(r.anchor).toISOString(), due, r.span_days];
      await tx.unsafe(DROP_GONE, params);
      await tx.unsafe(SUBTRACT, params);
      await tx.unsafe(SET_ANCHOR_HOUR, [due, r.span_days]);
      await tx.unsafe(`UPDATE user_recent_anchors SET anchor = $2::timestamptz WHERE span_days = $1`, [r.span_days, due]);
    }
  }
  return changed;
}

/** (Re)builds one span's rows and anchor at `anchor` (a whole hour) from the folded events (under FOLD_LOCK). */
export async function buildRecentSpan(tx: TransactionSql, spanDays: number, anchor: string): Promise<void> {
  await tx.unsafe(`DELETE FROM user_recent_totals WHERE span_days = $1`, [spanDays]);
  await tx.unsafe(BUILD, [anchor, null, spanDays]);
  await tx.unsafe(
    `INSERT INTO user_recent_anchors (span_days, anchor) VALUES ($1, $2::timestamptz) ON CONFLICT (span_days) DO UPDATE SET anchor = excluded.anchor`,
    [spanDays, anchor],
  );
}
