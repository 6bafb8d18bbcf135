import "server-only";
import type { Sql } from "~/server/db";
import { ATTRIBUTION_FOLD_TARGETS } from "~/server/rollups/attribution-fold-sql";

/** A priced, validated event as the insert statement reads it (JSON → jsonb_to_recordset). */
export type EventRow = {
  event_id: string;
  ts: string;
  provider: string;
  model: string;
  feature: string;
  user_id: string | null;
  session_id: string | null;
  tags: string[] | null;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: string | null;
  cost_source: "reported" | "computed" | "unpriced";
  latency_ms: number | null;
  latency_bucket: number | null;
  status: "success" | "error";
  error_message: string | null;
  prompt_hash: string | null;
  metadata: Record<string, unknown> | null;
};

// embed = false: the text was not stored (STORE_PROMPT_TEXT=none), so the row is never queued for
// an embedding (absent = true).
export type PromptRow = { hash: string; text: string; truncated: boolean; length: number; embed?: boolean };

// One statement = one round trip and one transaction: the events, the prompt dedupe and both
// rollups are written together, so rollups can never disagree with cost_events. Only rows that
// were really inserted (not duplicates of an earlier id) feed the prompts and the rollups.
// Every upsert is fed in key order so concurrent batches lock rows in the same order (no deadlocks).
const METRICS = ["calls", "errors", "unpriced_calls", "input_tokens", "output_tokens", "cached_input_tokens",
  "cache_write_tokens", "reasoning_tokens", "cost_usd", "latency_count", "latency_sum_ms"];

/** Upsert of one usage rollup (hourly or daily) from the freshly inserted rows, in key order. */
function usageUpsert(table: string, period: "hour" | "day"): string {
  return `${table}_up AS (
  INSERT INTO ${table} AS u (project_id, ${period}, feature, model, provider, ${METRICS.join(", ")})
  SELECT $1::uuid, ${period}, feature, model, provider, count(*),
    count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE cost_source = 'unpriced'),
    sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(reasoning_tokens), coalesce(sum(cost_usd), 0), count(latency_ms), coalesce(sum(latency_ms), 0)
  FROM fresh GROUP BY ${period}, feature, model, provider ORDER BY ${period}, feature, model, provider
  ON CONFLICT (project_id, ${period}, feature, model, provider) DO UPDATE SET
    ${METRICS.map((m) => `${m} = u.${m} + excluded.${m}`).join(",\n    ")}
  RETURNING 1
)`;
}

/**
 * Upsert of one latency histogram rollup (hourly or daily), one row set per dimension via
 * GROUPING SETS: by feature, by provider + model, and overall (see the latency tables' schema).
 */
function latencyUpsert(table: string, period: "hour" | "day"): string {
  return `${table}_up AS (
  INSERT INTO ${table} AS l (project_id, ${period}, dim, key1, key2, bucket, calls)
  SELECT $1::uuid, ${period},
    CASE WHEN grouping(feature) = 0 THEN 'feature' WHEN grouping(model) = 0 THEN 'model' ELSE 'all' END AS dim,
    CASE WHEN grouping(feature) = 0 THEN feature WHEN grouping(model) = 0 THEN provider ELSE '' END AS key1,
    CASE WHEN grouping(model) = 0 THEN model ELSE '' END AS key2,
    latency_bucket, count(*)
  FROM fresh WHERE latency_bucket IS NOT NULL
  GROUP BY GROUPING SETS ((${period}, feature, latency_bucket), (${period}, provider, model, latency_bucket), (${period}, latency_bucket))
  ORDER BY 3, 2, 4, 5, 6
  ON CONFLICT (project_id, dim, ${period}, key1, key2, bucket) DO UPDATE SET calls = l.calls + excluded.calls
  RETURNING 1
)`;
}

const INSERT_EVENTS = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(
    event_id text, ts timestamptz, provider text, model text, feature text, user_id text, session_id text,
    input_tokens int, output_tokens int, cached_input_tokens int, cache_write_tokens int, reasoning_tokens int,
    cost_usd numeric, cost_source text, latency_ms int, latency_bucket smallint, status text,
    error_message text, prompt_hash text, metadata jsonb, tags text[])
),
ins AS (
  INSERT INTO cost_events (project_id, event_id, ts, provider, model, feature, user_id, session_id,
    input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
    cost_usd, cost_source, latency_ms, latency_bucket, status, error_message, prompt_hash, metadata, tags)
  SELECT $1::uuid, event_id, ts, provider, model, feature, user_id, session_id,
    input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
    cost_usd, cost_source, latency_ms, latency_bucket, status, error_message, decode(prompt_hash, 'hex'), metadata, tags
  FROM input ORDER BY event_id
  ON CONFLICT (project_id, event_id) DO NOTHING
  RETURNING event_id
),
fresh AS (
  SELECT i.*, $1::uuid AS project_id, date_trunc('hour', i.ts, 'UTC') AS hour, date_trunc('day', i.ts, 'UTC') AS day
  FROM input i JOIN ins USING (event_id)
),
prompt_input AS (
  SELECT * FROM jsonb_to_recordset($3::jsonb) AS p(hash text, text text, truncated boolean, length int, embed boolean)
),
prompt_up AS (
  INSERT INTO prompts AS p (project_id, hash, text, truncated, original_length, first_seen, last_seen,
    occurrences, total_cost_usd, embed_done)
  SELECT $1::uuid, decode(f.prompt_hash, 'hex'), pi.text, pi.truncated, pi.length, min(f.ts), max(f.ts),
    count(*), coalesce(sum(f.cost_usd), 0), NOT coalesce(pi.embed, true)
  FROM fresh f JOIN prompt_input pi ON pi.hash = f.prompt_hash
  GROUP BY f.prompt_hash, pi.text, pi.truncated, pi.length, pi.embed
  ORDER BY f.prompt_hash
  ON CONFLICT (project_id, hash) DO UPDATE SET
    first_seen = least(p.first_seen, excluded.first_seen),
    last_seen = greatest(p.last_seen, excluded.last_seen),
    occurrences = p.occurrences + excluded.occurrences,
    total_cost_usd = p.total_cost_usd + excluded.total_cost_usd
  RETURNING 1
),
${usageUpsert("usage_hourly", "hour")},
${usageUpsert("usage_daily", "day")},
${latencyUpsert("latency_hourly", "hour")},
${latencyUpsert("latency_daily", "day")},
${ATTRIBUTION_FOLD_TARGETS.join(",\n")}
SELECT (SELECT count(*) FROM ins)::int AS inserted,
  (SELECT count(*) FROM prompt_up)::int AS prompts,
  (SELECT count(*) FROM usage_hourly_up)::int AS usage_rows,
  (SELECT count(*) FROM latency_hourly_up)::int AS latency_rows`;

// A deadlock or serialization failure rolls the whole statement back, so running it again is safe.
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 3;

/** Writes the rows in one statement; returns how many were new (the rest were duplicates). */
export async function insertEvents(sql: Sql, projectId: string, events: EventRow[], prompts: PromptRow[]) {
  if (events.length === 0) return 0;
  const params = [projectId, JSON.stringify(events), JSON.stringify(prompts)];
  for (let attempt = 1; ; attempt++) {
    try {
      // Prepared: the statement is parsed and planned once per connection, not per batch.
      const rows = await sql.unsafe<{ inserted: number }[]>(INSERT_EVENTS, params, { prepare: true });
      return rows[0]?.inserted ?? 0;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= ATTEMPTS || typeof code !== "string" || !RETRYABLE.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}
