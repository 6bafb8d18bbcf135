import "server-only";
import { ATTRIBUTION_FOLD_TARGETS } from "./attribution-fold-sql";
import { TOKEN_MIX_FOLD } from "./token-mix";

/*
 * How the rollups stay exact without being written on the ingestion path
 * ----------------------------------------------------------------------
 * Ingestion only inserts events (and new prompt rows with zero counters). Each event carries the
 * id of the transaction that inserted it (cost_events.xid, default pg_current_xact_id()).
 * rollup_fold_state holds one pg_snapshot F: an event is "folded" (counted in every rollup and
 * in the prompts' counters) exactly when its xid is visible in F. The fold moves the events that
 * are committed now but not visible in F into the rollups and replaces F with (at most) its own
 * statement snapshot, all in ONE statement — so at any instant, for any reader snapshot R:
 *
 *   figure = rollup rows (visible in R) + events visible in R whose xid is not visible in F
 *
 * and F is read in the same statement as the rollup rows, so both halves come from one commit.
 * Nothing is counted twice or missed: mid-fold the reader sees the previous F with the previous
 * rollups; a crashed fold rolls back both; folds are serialised by an advisory lock (any number
 * of instances may try, one folds at a time, the rest skip the tick).
 *
 * Adding a rollup = a table + its fold CTE here (reading `fresh`: the new events with their
 * `hour` and `day`) + its tail on the read side: the same grouping over cost_events rows that
 * `unfoldedEvents()` returns (src/server/rollups/tail.ts) within the range the rollup answers.
 * Anything else that changes rollup inputs in place (repricing) takes FOLD_LOCK shared and
 * adjusts only folded events (`NOT unfolded`), leaving unfolded ones to the fold.
 */

const METRICS = ["calls", "errors", "unpriced_calls", "input_tokens", "output_tokens", "cached_input_tokens",
  "cache_write_tokens", "reasoning_tokens", "cost_usd", "latency_count", "latency_sum_ms"];

/** Upsert of one usage rollup (hourly or daily) from the new events, in key order (no deadlocks). */
function usageFold(table: string, period: "hour" | "day"): string {
  return `${table}_up AS (
  INSERT INTO ${table} AS u (project_id, ${period}, feature, model, provider, ${METRICS.join(", ")})
  SELECT project_id, ${period}, feature, model, provider, count(*),
    count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE cost_source = 'unpriced'),
    sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(reasoning_tokens), coalesce(sum(cost_usd), 0), count(latency_ms), coalesce(sum(latency_ms), 0)
  FROM fresh GROUP BY project_id, ${period}, feature, model, provider ORDER BY project_id, ${period}, feature, model, provider
  ON CONFLICT (project_id, ${period}, feature, model, provider) DO UPDATE SET
    ${METRICS.map((m) => `${m} = u.${m} + excluded.${m}`).join(",\n    ")}
  RETURNING 1
)`;
}

// One row set per dimension via GROUPING SETS: by feature, by provider + model, and overall (see
// the latency tables' schema). Columns: project_id, period, dim, key1, key2, latency_bucket, count.
const latencyRows = (period: "hour" | "day") => `SELECT project_id, ${period},
    CASE WHEN grouping(feature) = 0 THEN 'feature' WHEN grouping(model) = 0 THEN 'model' ELSE 'all' END AS dim,
    CASE WHEN grouping(feature) = 0 THEN feature WHEN grouping(model) = 0 THEN provider ELSE '' END AS key1,
    CASE WHEN grouping(model) = 0 THEN model ELSE '' END AS key2,
    latency_bucket, count(*) AS n
  FROM fresh WHERE latency_bucket IS NOT NULL
  GROUP BY GROUPING SETS ((project_id, ${period}, feature, latency_bucket), (project_id, ${period}, provider, model, latency_bucket),
    (project_id, ${period}, latency_bucket))`;

/** Upsert of the hourly latency histograms: one row per hour × key × bucket. */
const LATENCY_HOURLY_FOLD = `latency_hourly_up AS (
  INSERT INTO latency_hourly AS l (project_id, hour, dim, key1, key2, bucket, calls)
  ${latencyRows("hour")}
  ORDER BY 1, 3, 2, 4, 5, 6
  ON CONFLICT (project_id, dim, hour, key1, key2, bucket) DO UPDATE SET calls = l.calls + excluded.calls
  RETURNING 1
)`;

/**
 * The daily latency histograms: one row per day × key, its buckets and counts packed in two arrays
 * (buckets ascending). A day's new counts are merged with its stored row (read in this statement's
 * snapshot: folds are serialised by FOLD_LOCK) and the row is replaced.
 */
const LATENCY_DAILY_FOLD = `latency_daily_fresh AS (
  ${latencyRows("day")}
),
latency_daily_up AS (
  INSERT INTO latency_daily AS l (project_id, dim, key1, key2, day, buckets, counts)
  SELECT project_id, dim, key1, key2, day, array_agg(bucket ORDER BY bucket), array_agg(n ORDER BY bucket)
  FROM (
    SELECT project_id, dim, key1, key2, day, bucket, sum(n)::bigint AS n FROM (
      SELECT project_id, dim, key1, key2, day, latency_bucket AS bucket, n FROM latency_daily_fresh
      UNION ALL
      SELECT o.project_id, o.dim, o.key1, o.key2, o.day, u.bucket, u.n
      FROM latency_daily o
      JOIN (SELECT DISTINCT project_id, dim, key1, key2, day FROM latency_daily_fresh) k
        ON o.project_id = k.project_id AND o.dim = k.dim AND o.key1 = k.key1 AND o.key2 = k.key2 AND o.day = k.day
      CROSS JOIN LATERAL unnest(o.buckets, o.counts) AS u(bucket, n)
    ) x GROUP BY 1, 2, 3, 4, 5, 6
  ) y GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (project_id, dim, key1, key2, day) DO UPDATE SET buckets = excluded.buckets, counts = excluded.counts
  RETURNING 1
)`;

/**
 * Microseconds from timestamptz `a` to `b`: exact (the interval's epoch is numeric) and immutable
 * (Citus refuses the timestamptz's own epoch, a stable function, in a distributed UPDATE's CASE).
 */
const micros = (a: string, b: string) => `(extract(epoch FROM ${b} - ${a}) * 1000000)::bigint`;

/**
 * The prompts' counters (the row itself is inserted at ingestion with zeros), and call_gap_us: a
 * lower bound on the time between any two of the prompt's folded calls at different instants
 * (NULL while there are none), which lets the clusters' cache simulation leave out lone prompts
 * that cannot repeat within a cache's lifetime (migration 0033). Any two calls are at least as far
 * apart as the closest pair of consecutive instants, so the bound is the smallest gap between
 * consecutive instants: within the new calls, and from the last folded instant (at most
 * last_seen) to the first new one when they come after it. New calls that come at or before it
 * may fall between folded ones, where the gap is unknown without reading them: the bound becomes
 * 0 (the prompt always takes part in the simulation, as before this column). call_gap_calls
 * counts the folded calls the bound covers: a fold without this column (an older version during
 * a rolling upgrade) leaves it behind occurrences, and the bound is not trusted any more (0).
 */
const PROMPTS_FOLD = `prompts_up AS (
  UPDATE prompts p SET first_seen = least(p.first_seen, x.first_seen), last_seen = greatest(p.last_seen, x.last_seen),
    occurrences = p.occurrences + x.n, total_cost_usd = p.total_cost_usd + x.cost,
    call_gap_us = CASE WHEN p.occurrences = 0 THEN x.gap
      WHEN p.call_gap_calls = p.occurrences AND x.first_seen > p.last_seen THEN least(p.call_gap_us, x.gap, ${micros("p.last_seen", "x.first_seen")})
      ELSE 0 END,
    call_gap_calls = p.occurrences + x.n
  FROM (SELECT project_id, prompt_hash, count(*) AS n, coalesce(sum(cost_usd), 0) AS cost, min(ts) AS first_seen, max(ts) AS last_seen,
          min(gap) FILTER (WHERE gap > 0) AS gap
        FROM (SELECT project_id, prompt_hash, cost_usd, ts,
                ${micros("lag(ts) OVER (PARTITION BY project_id, prompt_hash ORDER BY ts)", "ts")} AS gap
              FROM fresh WHERE prompt_hash IS NOT NULL) f
        GROUP BY 1, 2) x
  WHERE p.project_id = x.project_id AND p.hash = x.prompt_hash
  RETURNING 1
)`;

/** Every rollup the fold maintains: add a new one here (and its tail on the read side). */
export const FOLD_TARGETS: string[] = [
  usageFold("usage_hourly", "hour"),
  usageFold("usage_daily", "day"),
  LATENCY_HOURLY_FOLD,
  LATENCY_DAILY_FOLD,
  PROMPTS_FOLD,
  ...ATTRIBUTION_FOLD_TARGETS,
  TOKEN_MIX_FOLD,
];

// $2 = the snapshot to fold up to, taken by the caller (on a Citus cluster, see fold.ts), or NULL
// for this statement's own.
// $1 = the most transaction ids one fold may cover past the previous state (bounds a fold after a
// backlog). The new state N is this statement's snapshot S cut at xid C (C ≥ F's xmax, so all
// that F saw stays visible): visible in N ⇔ visible in S and xid < C. Folding exactly the events
// visible in N and not in F keeps "folded ⇔ visible in the state" true.
export const FOLD_SQL = `
WITH st AS (SELECT snap AS f, coalesce($2::pg_snapshot, pg_current_snapshot()) AS s FROM rollup_fold_state WHERE id = 1),
cut AS (
  SELECT f, s, least(pg_snapshot_xmax(s)::text::numeric, pg_snapshot_xmax(f)::text::numeric + $1::int) AS c FROM st
),
next AS (
  SELECT f, (least(pg_snapshot_xmin(s)::text::numeric, c)::text || ':' || c::text || ':' ||
    coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text::numeric) FROM pg_snapshot_xip(s) x WHERE x::text::numeric < c), '')
  )::pg_snapshot AS n, c < pg_snapshot_xmax(s)::text::numeric AS capped
  FROM cut
),
fresh AS MATERIALIZED (
  SELECT e.project_id, e.ts, e.feature, e.model, e.provider, e.status, e.cost_source, e.input_tokens, e.output_tokens,
    e.cached_input_tokens, e.cache_write_tokens, e.reasoning_tokens, e.cost_usd, e.latency_ms, e.latency_bucket,
    e.prompt_hash, e.user_id, e.tags, e.metadata, e.service_tier,
    date_trunc('hour', e.ts, 'UTC') AS hour, date_trunc('day', e.ts, 'UTC') AS day
  FROM unfolded_events() e, next
  WHERE pg_visible_in_snapshot(e.xid, next.n)
),
${FOLD_TARGETS.join(",\n")},
state_up AS (
  UPDATE rollup_fold_state SET snap = next.n, folds = folds + 1,
    folded_events = folded_events + (SELECT count(*) FROM fresh), folded_at = now()
  FROM next WHERE id = 1 AND (EXISTS (SELECT 1 FROM fresh) OR next.capped)
  RETURNING 1
)
SELECT (SELECT count(*) FROM fresh)::int AS events, (SELECT capped FROM next) AS more`;
