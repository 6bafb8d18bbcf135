import "server-only";
import type { Sql } from "~/server/db";
import type { TransactionSql } from "postgres";
import { retryTransient } from "~/server/db/retry";
import { toVectorLiteral } from "../embedders/types";
import { copyInSupported, copyVectors, type VectorRow } from "./vector-copy";

// The embedding queue lives on `prompts` (embed_done = false). Every statement here is short:
// row locks on prompts are held for one UPDATE, never while calling an embedder or walking the
// HNSW graph, so ingestion's upserts of hot prompts never wait behind the worker.

export type Claimed = { projectId: string; id: string; text: string; attempts: number; hasVector: boolean };

/**
 * Claims up to `limit` due prompts: FOR UPDATE SKIP LOCKED lets any number of workers claim at
 * once without waiting on or taking each other's rows; the claim moves embed_next_at to the end of
 * a lease (a crashed worker's prompts come back when it expires) and bumps embed_attempts, which
 * later writes check, so a worker whose lease was taken over cannot write.
 */
export async function claimPrompts(sql: Sql, o: ClaimOptions): Promise<Claimed[]> {
  // One statement: cancelled by a deadlock (on a Citus cluster, the distributed deadlock detector
  // can pick it when several workers claim one project's shard) it changed nothing.
  return retryTransient(() => claimOnce(sql, o));
}

type ClaimOptions = { limit: number; leaseSeconds: number; model: string; projectId?: string };

async function claimOnce(sql: Sql, o: ClaimOptions): Promise<Claimed[]> {
  const rows = await claimStatement(sql, o);
  return rows.map((r) => ({ projectId: r.project_id, id: r.id, text: r.text, attempts: r.attempts, hasVector: r.has_vector }));
}

/**
 * The claim, not yet run. One project's claim names it as a constant in every table's filter, the
 * vector lookup's too: then Citus runs the whole statement on the project's shard. With the lookup
 * correlated on p.project_id, it ran the locking read as a subplan and the UPDATE on every shard,
 * which deadlocked concurrent claims and could claim nothing while prompts were due.
 */
export function claimStatement(sql: Sql, o: ClaimOptions) {
  const scope = (alias: string) => (o.projectId ? sql`AND ${sql(alias)}.project_id = ${o.projectId}::uuid` : sql``);
  const project = o.projectId ? sql`${o.projectId}::uuid` : sql`p.project_id`;
  return sql<{ project_id: string; id: string; text: string; attempts: number; has_vector: boolean }[]>`
    WITH c AS (
      SELECT project_id, id FROM prompts q
      WHERE NOT embed_done AND (embed_next_at IS NULL OR embed_next_at <= now()) ${scope("q")}
      ORDER BY embed_next_at NULLS FIRST
      LIMIT ${o.limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE prompts p
    SET embed_next_at = now() + make_interval(secs => ${o.leaseSeconds}), embed_attempts = p.embed_attempts + 1
    FROM c WHERE p.project_id = c.project_id AND p.id = c.id ${scope("p")}
    RETURNING p.project_id::text, p.id::text, p.text, p.embed_attempts AS attempts,
      EXISTS (SELECT 1 FROM prompt_embeddings e
              WHERE e.project_id = ${project} AND e.prompt_id = p.id AND e.model = ${o.model}) AS has_vector`;
}

/**
 * Stores vectors (no prompt row locks: the FK check only takes KEY SHARE). Existing rows win: a
 * binary COPY (vector-copy.ts) when the server takes one; when it fails (a row already there, so
 * it stored nothing) the statement that skips such rows, which also names any other error.
 */
export async function storeVectors(sql: Sql, model: string, items: VectorRow[]): Promise<void> {
  if (items.length === 0) return;
  // Key order, as the statement below inserts in: two workers never take index entries crosswise.
  const rows = [...items].sort((a, b) => (a.projectId === b.projectId ? compareIds(a.id, b.id) : a.projectId < b.projectId ? -1 : 1));
  if (await copyInSupported(sql)) {
    if (await retryTransient(() => copyVectors(sql, model, rows))) return;
  }
  const literals = rows.map((i) => ({ project_id: i.projectId, id: i.id, v: toVectorLiteral(i.vector) }));
  await retryTransient(() => sql`
    INSERT INTO prompt_embeddings (project_id, prompt_id, model, embedding)
    SELECT r.project_id, r.id, ${model}, r.v::vector
    FROM jsonb_to_recordset(${JSON.stringify(literals)}::jsonb) AS r(project_id uuid, id bigint, v text)
    ORDER BY r.project_id, r.id
    ON CONFLICT (project_id, prompt_id, model) DO NOTHING`);
}

/** Decimal bigint ids in numeric order. */
function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** Done, unless the claim was taken over (attempts moved on) in the meantime. */
export async function markDone(sql: Sql, model: string, items: Claimed[]): Promise<number> {
  if (items.length === 0) return 0;
  const res = await retryTransient(() => markDoneStatement(sql, model, items));
  return res.count;
}

/** markDone's statement, not yet run. */
export function markDoneStatement(sql: Sql, model: string, items: Claimed[]) {
  const rows = JSON.stringify(items.map((i) => ({ project_id: i.projectId, id: i.id, attempts: i.attempts })));
  return sql`
    UPDATE prompts p SET embed_done = true, embed_model = ${model}, embed_attempts = 0, embed_next_at = NULL
    FROM jsonb_to_recordset(${rows}::jsonb) AS r(project_id uuid, id bigint, attempts int)
    WHERE p.project_id = r.project_id AND p.id = r.id AND p.embed_attempts = r.attempts AND NOT p.embed_done ${oneShard(sql, items)}`;
}

/**
 * Items of one project (a worker's batch on a Citus cluster always is): the project named as a
 * constant, so Citus updates its shard alone rather than every shard (which deadlocks workers).
 */
function oneShard(sql: Sql, items: { projectId: string }[]) {
  const first = items[0]?.projectId;
  return first !== undefined && items.every((i) => i.projectId === first) ? sql`AND p.project_id = ${first}::uuid` : sql``;
}

/** Back on the queue after `delaySeconds` (per item: the backoff grows with its attempts). */
export async function markFailed(sql: Sql, items: (Claimed & { delaySeconds: number })[]): Promise<void> {
  if (items.length === 0) return;
  await retryTransient(() => markFailedStatement(sql, items));
}

/** markFailed's statement, not yet run. */
export function markFailedStatement(sql: Sql, items: (Claimed & { delaySeconds: number })[]) {
  const rows = JSON.stringify(items.map((i) => ({ project_id: i.projectId, id: i.id, attempts: i.attempts, delay: i.delaySeconds })));
  return sql`
    UPDATE prompts p SET embed_next_at = r.next_at
    -- next_at computed in the subquery: Citus refuses now() next to a column in an UPDATE's SET
    FROM (SELECT x.*, now() + make_interval(secs => x.delay) AS next_at
          FROM jsonb_to_recordset(${rows}::jsonb) AS x(project_id uuid, id bigint, attempts int, delay float8)) r
    WHERE p.project_id = r.project_id AND p.id = r.id AND p.embed_attempts = r.attempts AND NOT p.embed_done ${oneShard(sql, items)}`;
}

/** The dimension of the live vector column (pgvector stores it as the type modifier). */
export async function vectorColumnDimensions(sql: Sql | TransactionSql): Promise<number | null> {
  const rows = await sql<{ dims: number }[]>`
    SELECT atttypmod AS dims FROM pg_attribute
    WHERE attrelid = 'prompt_embeddings'::regclass AND attname = 'embedding' AND NOT attisdropped`;
  const dims = rows[0]?.dims;
  return dims === undefined || dims < 1 ? null : dims;
}
