import "server-only";

/*
 * Maintenance of the attribution rollups (attribution_hourly / attribution_daily): usage per end
 * user, per tag and per value of each promoted metadata key, for every new event.
 *
 * Fold targets (fold-sql.ts): each is one CTE reading `fresh` — the newly folded events with
 * their project_id, ts, hour, day, user_id, tags, metadata and the usage columns. The read side
 * (src/features/analytics/server/attribution-sql.ts) groups raw cost_events rows and the unfolded
 * tail with the same key expressions (ATTRIBUTION_KEY_SQL), so rollup + tail + raw edges = a full
 * scan. Repricing moves folded events' costs (ATTRIBUTION_REPRICE_DELTAS).
 *
 * One INSERT per table for all three dimensions (fewer CTEs, one sorted upsert per table), fed
 * in key order so concurrent writers lock rows in the same order (no deadlocks).
 */

/** An event row `e` is in the rollups: its xid is visible in the fold state `s` (the negation of unfolded_events()). */
export const FOLDED_SQL = (e: string, s: string) =>
  `(${e}.xid IS NULL OR ${e}.xid < pg_snapshot_xmin(${s}.snap) OR pg_visible_in_snapshot(${e}.xid, ${s}.snap))`;

const METRICS = ["calls", "errors", "unpriced_calls", "input_tokens", "output_tokens", "cached_input_tokens",
  "cache_write_tokens", "reasoning_tokens", "cost_usd", "latency_count", "latency_sum_ms"];

/** The group key of each dimension on a cost_events-shaped row `f` ('' = none). */
export const ATTRIBUTION_KEY_SQL = {
  user: (alias: string) => `coalesce(${alias}.user_id, '')`,
  // NULL tags and no tags are the same "(none)" group.
  tagSource: (alias: string) => `unnest(coalesce(nullif(${alias}.tags, '{}'), ARRAY['']::text[]))`,
  // An empty string value counts as none; nested values group by their JSON text.
  meta: (alias: string, keyExpr: string) => `coalesce(${alias}.metadata ->> ${keyExpr}, '')`,
};

/** The (kind, value) pairs of user_mix_totals for an event row: its feature and its model. */
export const USER_MIX_SQL = (alias: string) => `(VALUES ('feature'::text, ${alias}.feature), ('model'::text, ${alias}.model)) AS k(kind, value)`;

/** The (dim, key) rows of each event of `rel` (alias f): its user, each tag, each promoted metadata key. */
function dimensionRows(rel: string): string {
  return `SELECT f.*, 'user'::text AS dim, ${ATTRIBUTION_KEY_SQL.user("f")} AS key FROM ${rel} f
    UNION ALL
    SELECT f.*, 'tag'::text, t.tag FROM ${rel} f CROSS JOIN LATERAL ${ATTRIBUTION_KEY_SQL.tagSource("f")} AS t(tag)
    UNION ALL
    SELECT f.*, 'meta:' || k.key, ${ATTRIBUTION_KEY_SQL.meta("f", "k.key")}
    FROM ${rel} f JOIN promoted_metadata_keys k ON k.project_id = f.project_id`;
}

function attributionFold(table: string, period: "hour" | "day"): string {
  return `${table}_up AS (
  INSERT INTO ${table} AS a (project_id, dim, ${period}, key, ${METRICS.join(", ")}, first_seen, last_seen)
  SELECT project_id, dim, ${period}, key, count(*),
    count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE cost_source = 'unpriced'),
    sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(reasoning_tokens), coalesce(sum(cost_usd), 0), count(latency_ms), coalesce(sum(latency_ms), 0), min(ts), max(ts)
  FROM (${dimensionRows("fresh")}) x
  GROUP BY project_id, dim, ${period}, key ORDER BY project_id, dim, ${period}, key
  ON CONFLICT (project_id, dim, ${period}, key) DO UPDATE SET
    ${METRICS.map((m) => `${m} = a.${m} + excluded.${m}`).join(",\n    ")},
    first_seen = least(a.first_seen, excluded.first_seen), last_seen = greatest(a.last_seen, excluded.last_seen)
  RETURNING 1
)`;
}

// The METRICS columns, then first_seen and last_seen, aggregated over cost_events-shaped rows.
const USAGE_AGGREGATES = `count(*),
    count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE cost_source = 'unpriced'),
    sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(reasoning_tokens), coalesce(sum(cost_usd), 0), count(latency_ms), coalesce(sum(latency_ms), 0), min(ts), max(ts)`;

/** user_totals: each end user's usage of all time and first/last seen; user_mix_totals: their cost per feature and per model. */
const USER_TOTALS_FOLD = `user_totals_up AS (
  INSERT INTO user_totals AS t (project_id, user_id, ${METRICS.join(", ")}, first_seen, last_seen)
  SELECT project_id, user_id, ${USAGE_AGGREGATES}
  FROM fresh WHERE user_id IS NOT NULL
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (project_id, user_id) DO UPDATE SET
    ${METRICS.map((m) => `${m} = t.${m} + excluded.${m}`).join(",\n    ")},
    first_seen = least(t.first_seen, excluded.first_seen), last_seen = greatest(t.last_seen, excluded.last_seen)
  RETURNING 1
),
user_mix_up AS (
  INSERT INTO user_mix_totals AS m (project_id, user_id, kind, value, calls, cost_usd)
  SELECT f.project_id, f.user_id, k.kind, k.value, count(*), coalesce(sum(f.cost_usd), 0)
  FROM fresh f CROSS JOIN LATERAL ${USER_MIX_SQL("f")} WHERE f.user_id IS NOT NULL
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (project_id, user_id, kind, value) DO UPDATE SET calls = m.calls + excluded.calls, cost_usd = m.cost_usd + excluded.cost_usd
  RETURNING 1
),
user_recent_up AS (
  INSERT INTO user_recent_totals AS t (project_id, span_days, user_id, ${METRICS.join(", ")}, first_seen, last_seen, anchor_hour_cost)
  SELECT f.project_id, a.span_days, f.user_id, ${USAGE_AGGREGATES}, coalesce(sum(f.cost_usd) FILTER (WHERE f.hour = a.anchor), 0)
  FROM fresh f JOIN user_recent_anchors a ON f.ts >= a.anchor WHERE f.user_id IS NOT NULL
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (project_id, span_days, user_id) DO UPDATE SET
    ${METRICS.map((m) => `${m} = t.${m} + excluded.${m}`).join(",\n    ")},
    first_seen = least(t.first_seen, excluded.first_seen), last_seen = greatest(t.last_seen, excluded.last_seen),
    anchor_hour_cost = t.anchor_hour_cost + excluded.anchor_hour_cost
  RETURNING 1
)`;

/** The attribution rollups' maintenance, as CTEs over `fresh` (add to the fold's targets). */
export const ATTRIBUTION_FOLD_TARGETS: string[] = [
  attributionFold("attribution_hourly", "hour"),
  attributionFold("attribution_daily", "day"),
  USER_TOTALS_FOLD,
];

/**
 * Repricing: the cost and unpriced-count deltas of the repriced events already folded (`folded`,
 * which carries project_id, ts, user_id, tags, metadata and old/new cost and source) on both tables.
 */
export const ATTRIBUTION_REPRICE_DELTAS: string[] = [
  `user_totals_d AS (
  SELECT project_id, user_id, sum(coalesce(new_cost, 0) - coalesce(old_cost, 0)) AS dcost,
    count(*) FILTER (WHERE new_src = 'unpriced') - count(*) FILTER (WHERE old_src = 'unpriced') AS dunpriced
  FROM folded WHERE user_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
),
user_totals_up AS (
  UPDATE user_totals t SET cost_usd = t.cost_usd + d.dcost, unpriced_calls = t.unpriced_calls + d.dunpriced
  FROM user_totals_d d WHERE t.project_id = d.project_id AND t.user_id = d.user_id
  RETURNING 1
),
user_mix_d AS (
  SELECT f.project_id, f.user_id, k.kind, k.value, sum(coalesce(f.new_cost, 0) - coalesce(f.old_cost, 0)) AS dcost
  FROM folded f CROSS JOIN LATERAL ${USER_MIX_SQL("f")} WHERE f.user_id IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
),
user_mix_up AS (
  UPDATE user_mix_totals m SET cost_usd = m.cost_usd + d.dcost
  FROM user_mix_d d WHERE m.project_id = d.project_id AND m.user_id = d.user_id AND m.kind = d.kind AND m.value = d.value
  RETURNING 1
),
user_recent_d AS (
  SELECT f.project_id, a.span_days, f.user_id, sum(coalesce(f.new_cost, 0) - coalesce(f.old_cost, 0)) AS dcost,
    coalesce(sum(coalesce(f.new_cost, 0) - coalesce(f.old_cost, 0)) FILTER (WHERE date_trunc('hour', f.ts, 'UTC') = a.anchor), 0) AS dhour,
    count(*) FILTER (WHERE f.new_src = 'unpriced') - count(*) FILTER (WHERE f.old_src = 'unpriced') AS dunpriced
  FROM folded f JOIN user_recent_anchors a ON f.ts >= a.anchor WHERE f.user_id IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
),
user_recent_up AS (
  UPDATE user_recent_totals t SET cost_usd = t.cost_usd + d.dcost, unpriced_calls = t.unpriced_calls + d.dunpriced,
    anchor_hour_cost = t.anchor_hour_cost + d.dhour
  FROM user_recent_d d WHERE t.project_id = d.project_id AND t.span_days = d.span_days AND t.user_id = d.user_id
  RETURNING 1
)`,
  ...(["hour", "day"] as const).map((period) => {
  const table = period === "hour" ? "attribution_hourly" : "attribution_daily";
  return `${table}_d AS (
  SELECT project_id, dim, date_trunc('${period}', ts, 'UTC') AS period, key,
    sum(coalesce(new_cost, 0) - coalesce(old_cost, 0)) AS dcost,
    count(*) FILTER (WHERE new_src = 'unpriced') - count(*) FILTER (WHERE old_src = 'unpriced') AS dunpriced
  FROM (${dimensionRows("folded")}) x GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
),
${table}_up AS (
  UPDATE ${table} a SET cost_usd = a.cost_usd + d.dcost, unpriced_calls = a.unpriced_calls + d.dunpriced
  FROM ${table}_d d WHERE a.project_id = d.project_id AND a.dim = d.dim AND a.${period} = d.period AND a.key = d.key
  RETURNING 1
)`;
  }),
];

/**
 * Rebuilds one dimension's rows of both tables for a project from its folded events (promoting a
 * metadata key): the fold adds the rest. Run holding FOLD_LOCK shared, so no fold moves the
 * watermark meanwhile. $1 = project id, $2 = metadata key (for 'meta:').
 */
export function attributionBackfillSql(dim: "user" | "tag" | "meta"): string[] {
  const source =
    dim === "user"
      ? `SELECT e.*, 'user'::text AS dim, ${ATTRIBUTION_KEY_SQL.user("e")} AS key FROM cost_events e WHERE e.project_id = $1::uuid`
      : dim === "tag"
        ? `SELECT e.*, 'tag'::text AS dim, t.tag AS key FROM cost_events e CROSS JOIN LATERAL ${ATTRIBUTION_KEY_SQL.tagSource("e")} AS t(tag) WHERE e.project_id = $1::uuid`
        : `SELECT e.*, 'meta:' || $2::text AS dim, ${ATTRIBUTION_KEY_SQL.meta("e", "$2::text")} AS key FROM cost_events e WHERE e.project_id = $1::uuid`;
  return (["hour", "day"] as const).map((period) => `
  INSERT INTO attribution_${period === "hour" ? "hourly" : "daily"} (project_id, dim, ${period}, key, ${METRICS.join(", ")}, first_seen, last_seen)
  SELECT project_id, dim, date_trunc('${period}', ts, 'UTC'), key, count(*),
    count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE cost_source = 'unpriced'),
    sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(reasoning_tokens), coalesce(sum(cost_usd), 0), count(latency_ms), coalesce(sum(latency_ms), 0), min(ts), max(ts)
  FROM (${source}) x, rollup_fold_state s
  WHERE s.id = 1 AND ${FOLDED_SQL("x", "s")}
  GROUP BY project_id, dim, date_trunc('${period}', ts, 'UTC'), key`);
}
