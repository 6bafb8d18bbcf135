import "server-only";
import type postgres from "postgres";
import { forgetApiKey } from "~/server/auth/api-keys";
import type { Sql } from "~/server/db";
import { isCitus } from "~/server/db/citus";
import { unauthorized } from "~/server/errors";

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
  service_tier: "standard" | "batch" | "flex" | "priority";
};

// embed = false: the text was not stored (STORE_PROMPT_TEXT=none), so the row is never queued for
// an embedding (absent = true).
export type PromptRow = { hash: string; text: string; truncated: boolean; length: number; embed?: boolean };

// One statement = one round trip and one transaction: the events and the new prompts' rows.
// The rollups and the prompts' counters are not written here: the fold moves committed events
// into them (src/server/rollups/), and every read adds the events not folded yet, so figures are
// exact at every instant while this statement only inserts. Rows are fed in key order so
// concurrent batches take index locks in the same order.
export const INSERT_EVENTS = `
WITH key_ok AS (
  -- $4: the API key the request came with (NULL for callers without one): nothing is stored once
  -- it is revoked, so the route may resolve keys from a cache and still refuse at once.
  SELECT $4::uuid IS NULL OR EXISTS (SELECT 1 FROM api_keys WHERE id = $4::uuid AND revoked_at IS NULL) AS ok
),
input AS (
  SELECT r.* FROM key_ok, jsonb_to_recordset($2::jsonb) AS r(
    event_id text, ts timestamptz, provider text, model text, feature text, user_id text, session_id text,
    input_tokens int, output_tokens int, cached_input_tokens int, cache_write_tokens int, reasoning_tokens int,
    cost_usd numeric, cost_source text, latency_ms int, latency_bucket smallint, status text,
    error_message text, prompt_hash text, metadata jsonb, service_tier text, tags text[])
  WHERE key_ok.ok
),
ins AS (
  INSERT INTO cost_events (project_id, event_id, ts, provider, model, feature, user_id, session_id,
    input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
    cost_usd, cost_source, latency_ms, latency_bucket, status, error_message, prompt_hash, metadata, service_tier, tags)
  SELECT $1::uuid, event_id, ts, provider, model, feature, user_id, session_id,
    input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
    cost_usd, cost_source, latency_ms, latency_bucket, status, error_message, decode(prompt_hash, 'hex'), metadata,
    coalesce(service_tier, 'standard'), tags
  FROM input ORDER BY event_id
  ON CONFLICT (project_id, event_id) DO NOTHING
  RETURNING event_id, ts, prompt_hash
),
prompt_input AS (
  SELECT * FROM jsonb_to_recordset($3::jsonb) AS p(hash text, text text, truncated boolean, length int, embed boolean)
),
-- New prompts only (counters start at zero; the fold adds the events). Prompts this statement's
-- snapshot already sees are skipped by a plain read: an ON CONFLICT probe on them would wait for
-- a fold that is updating their counters, and for batches sharing prompts. That read is one index
-- probe per distinct prompt of the batch (OFFSET 0 keeps the planner from turning it into a join,
-- which, planned for a small table, read every prompt of the project on every request).
prompt_new AS (
  INSERT INTO prompts (project_id, hash, text, truncated, original_length, first_seen, last_seen,
    occurrences, total_cost_usd, embed_done)
  SELECT $1::uuid, f.prompt_hash, pi.text, pi.truncated, pi.length, f.first_seen, f.last_seen, 0, 0, NOT coalesce(pi.embed, true)
  FROM (SELECT prompt_hash, min(ts) AS first_seen, max(ts) AS last_seen FROM ins WHERE prompt_hash IS NOT NULL GROUP BY prompt_hash) f
  JOIN prompt_input pi ON decode(pi.hash, 'hex') = f.prompt_hash
  WHERE NOT EXISTS (SELECT 1 FROM prompts p WHERE p.project_id = $1::uuid AND p.hash = f.prompt_hash OFFSET 0)
  ORDER BY f.prompt_hash
  ON CONFLICT (project_id, hash) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM prompt_new)::int AS prompts,
  (SELECT ok FROM key_ok) AS key_ok`;

// A deadlock or serialization failure rolls the whole statement back, so running it again is safe.
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 3;

/**
 * Writes the rows in one statement; returns how many were new (the rest were duplicates).
 * With `keyId`, throws 401 instead when that API key is revoked (nothing is stored then).
 */
export async function insertEvents(sql: Sql, projectId: string, events: EventRow[], prompts: PromptRow[], keyId: string | null = null) {
  if (events.length === 0) return 0;
  const citus = await isCitus(sql);
  const params = [projectId, JSON.stringify(events), JSON.stringify(prompts), keyId];
  for (let attempt = 1; ; attempt++) {
    try {
      const result = citus
        ? await insertRouted(sql, projectId, events, prompts, keyId)
        : // Prepared: the statement is parsed and planned once per connection, not per batch.
          await sql.unsafe<{ inserted: number; key_ok: boolean }[]>(INSERT_EVENTS, params, { prepare: true }).then((rows) => ({
            inserted: rows[0]?.inserted ?? 0,
            keyOk: rows[0]?.key_ok === true,
          }));
      if (keyId !== null && !result.keyOk) {
        forgetApiKey(keyId);
        throw unauthorized("invalid or revoked API key");
      }
      return result.inserted;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= ATTEMPTS || typeof code !== "string" || !RETRYABLE.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

/*
 * On a Citus cluster (docs/citus.md) the one-statement form above is an INSERT … SELECT from a
 * function, which Citus runs by pulling the rows to the coordinator through several subplans.
 * There the same work is a short single-shard transaction of router statements instead: the key
 * check (a reference table), a multi-row INSERT … VALUES of the events (one shard: the project's),
 * and the new prompts' rows, read first and inserted only when absent (as above, so the insert
 * never waits on a fold updating existing prompts' counters). cost_events.xid's default is evaluated
 * on the coordinator, as the fold requires (src/server/rollups/fold.ts).
 */
const EVENT_COLUMNS: [keyof EventRow, string][] = [
  ["event_id", "text"], ["ts", "timestamptz"], ["provider", "text"], ["model", "text"], ["feature", "text"],
  ["user_id", "text"], ["session_id", "text"], ["input_tokens", "int"], ["output_tokens", "int"],
  ["cached_input_tokens", "int"], ["cache_write_tokens", "int"], ["reasoning_tokens", "int"], ["cost_usd", "numeric"],
  ["cost_source", "text"], ["latency_ms", "int"], ["latency_bucket", "smallint"], ["status", "text"],
  ["error_message", "text"], ["prompt_hash", "bytea"], ["metadata", "jsonb"], ["service_tier", "text"], ["tags", "text[]"],
];

function routedParam(row: EventRow, column: keyof EventRow): postgres.ParameterOrJSON<never> {
  const v = row[column];
  if (v === null || v === undefined) return null;
  if (column === "prompt_hash") return Buffer.from(v as string, "hex");
  if (column === "metadata") return JSON.stringify(v);
  return v as string | number | string[];
}

/** The routed path's events statement: one multi-row INSERT … VALUES into the project's shard. */
export function routedEventsInsert(projectId: string, events: EventRow[]): { text: string; values: postgres.ParameterOrJSON<never>[] } {
  const sorted = [...events].sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
  const values: postgres.ParameterOrJSON<never>[] = [projectId];
  const tuples = sorted.map((row) => {
    const cells = EVENT_COLUMNS.map(([column, type]) => {
      values.push(routedParam(row, column));
      return `$${values.length}::${type}`;
    });
    return `($1::uuid, ${cells.join(", ")})`;
  });
  const text = `INSERT INTO cost_events (project_id, ${EVENT_COLUMNS.map(([c]) => c).join(", ")})
       VALUES ${tuples.join(",\n")}
       ON CONFLICT (project_id, event_id) DO NOTHING RETURNING prompt_hash, ts`;
  return { text, values };
}

async function insertRouted(sql: Sql, projectId: string, events: EventRow[], prompts: PromptRow[], keyId: string | null) {
  const statement = routedEventsInsert(projectId, events);
  return sql.begin(async (tx) => {
    if (keyId !== null) {
      const ok = await tx.unsafe(`SELECT 1 FROM api_keys WHERE id = $1::uuid AND revoked_at IS NULL`, [keyId]);
      if (ok.length === 0) return { inserted: 0, keyOk: false };
    }
    // The text varies with the batch size: not worth a prepared statement each.
    const inserted = await tx.unsafe<{ prompt_hash: Buffer | null; ts: Date }[]>(statement.text, statement.values, { prepare: false });
    const seen = new Map<string, { first: Date; last: Date }>();
    for (const r of inserted) {
      if (!r.prompt_hash) continue;
      const hash = r.prompt_hash.toString("hex");
      const s = seen.get(hash);
      if (!s) seen.set(hash, { first: r.ts, last: r.ts });
      else {
        if (r.ts < s.first) s.first = r.ts;
        if (r.ts > s.last) s.last = r.ts;
      }
    }
    const candidates = prompts
      .flatMap((p) => {
        const span = seen.get(p.hash);
        return span ? [{ ...p, ...span }] : [];
      })
      .sort((a, b) => (a.hash < b.hash ? -1 : 1));
    if (candidates.length > 0) {
      const existing = await tx.unsafe<{ hash: string }[]>(
        `SELECT encode(hash, 'hex') AS hash FROM prompts
         WHERE project_id = $1::uuid AND hash IN (${candidates.map((_, i) => `decode($${i + 2}::text, 'hex')`).join(", ")})`,
        [projectId, ...candidates.map((p) => p.hash)],
        { prepare: false },
      );
      const known = new Set(existing.map((r) => r.hash));
      const fresh = candidates.filter((p) => !known.has(p.hash));
      if (fresh.length > 0) {
        const pv: postgres.ParameterOrJSON<never>[] = [projectId];
        const rows = fresh.map((p) => {
          pv.push(Buffer.from(p.hash, "hex"), p.text, p.truncated, p.length, p.first, p.last, p.embed === false);
          const n = pv.length;
          return `($1::uuid, $${n - 6}::bytea, $${n - 5}::text, $${n - 4}::boolean, $${n - 3}::int, $${n - 2}::timestamptz, $${n - 1}::timestamptz, 0, 0, $${n}::boolean)`;
        });
        await tx.unsafe(
          `INSERT INTO prompts (project_id, hash, text, truncated, original_length, first_seen, last_seen,
             occurrences, total_cost_usd, embed_done)
           VALUES ${rows.join(",\n")} ON CONFLICT (project_id, hash) DO NOTHING`,
          pv,
          { prepare: false },
        );
      }
    }
    return { inserted: inserted.length, keyOk: true };
  });
}
