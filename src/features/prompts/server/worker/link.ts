import "server-only";
import type { TransactionSql } from "postgres";
import { z } from "zod";
import type { Sql } from "~/server/db";
import { retryTransient } from "~/server/db/retry";
import { halfVector, spaceDimensions } from "./hnsw";

// The link stage: near-duplicate edges for prompts whose vectors are stored (prompt_link_queue).
//
// The edge set is defined by the vectors alone, never by the order they were embedded in: a row
// (x → y) means y is among x's k nearest prompts (same project and vector space) with similarity
// at or above the floor, ties broken by the smaller id; clusters read every row in both
// directions. A new prompt p can change two kinds of lists: its own, and those of the prompts it
// is now nearer to than their k-th neighbour. So linking p looks up its `candidates` nearest
// (≥ k) and offers every candidate pair in both directions; each list keeps the best k of
// everything ever offered to it. Keeping the best k is commutative, so linking prompts one at a
// time, in any order, by any number of workers, or all at once after a bulk load gives the same
// lists. (Given exact neighbour lookups: HNSW is approximate, and a prompt that falls among the
// k nearest of a prompt outside its own `candidates` nearest is not offered — see the docs.)

export type LinkOptions = { model: string; k: number; candidates: number; floor: number; efSearch: number; maxScanTuples: number };

const queuedRow = z.object({ project_id: z.string(), prompt_id: z.string() });
const candidateRow = z.object({ project_id: z.string(), a: z.string(), b: z.string(), sim: z.string() });
const affectedRow = z.object({ project_id: z.string(), prompt_id: z.string() });

/** Queues prompts for linking (their vectors are stored in `model`'s space). */
export async function queueLinks(sql: Sql, model: string, items: { projectId: string; id: string }[]): Promise<void> {
  if (items.length === 0) return;
  const rows = JSON.stringify(items.map((i) => ({ project_id: i.projectId, id: i.id })));
  await retryTransient(() => sql`
    INSERT INTO prompt_link_queue (project_id, prompt_id, model)
    SELECT r.project_id, r.id, ${model} FROM jsonb_to_recordset(${rows}::jsonb) AS r(project_id uuid, id bigint)
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING`);
}

/**
 * Links up to `limit` queued prompts (needs the HNSW index: without it every lookup is a scan).
 * The lookups run first with no lock; the merge into the lists runs under a per-project
 * transaction lock, so two workers never trim the same list at once. Queue rows are taken with
 * SKIP LOCKED and deleted in the same transaction: a crash leaves them queued.
 */
export async function linkQueued(sql: Sql, o: LinkOptions & { limit: number; projectId?: string }): Promise<{ linked: number; edges: number }> {
  // A deadlock rolls the whole transaction back (its queue rows stay queued), so running it again
  // is safe. On a Citus cluster the statements keyed by a JSON list of projects run on every shard,
  // and workers linking one project at once can meet in a distributed deadlock Citus resolves so.
  return retryTransient(() => linkOnce(sql, o));
}

async function linkOnce(sql: Sql, o: LinkOptions & { limit: number; projectId?: string }): Promise<{ linked: number; edges: number }> {
  return sql.begin(async (tx) => {
    const scope = o.projectId ? tx`AND project_id = ${o.projectId}::uuid` : tx``;
    const queued = z.array(queuedRow).parse(
      await tx`
        SELECT project_id::text, prompt_id::text FROM prompt_link_queue WHERE model = ${o.model} ${scope}
        ORDER BY project_id, prompt_id LIMIT ${o.limit} FOR UPDATE SKIP LOCKED`,
    );
    if (queued.length === 0) return { linked: 0, edges: 0 };
    const keys = JSON.stringify(queued.map((q) => ({ project_id: q.project_id, id: q.prompt_id })));
    // Transaction-local settings (PGlite shares one session between connections). The HNSW path is
    // forced (enable_sort off): with the project a per-row parameter the planner misjudges the
    // filter and scans the whole project per prompt, O(n²) over a backfill. The iterative scan is
    // capped: near-duplicates are among the globally nearest vectors anyway.
    await tx`SELECT set_config('hnsw.ef_search', ${String(Math.max(o.efSearch, o.candidates))}, true),
      set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.max_scan_tuples', ${String(o.maxScanTuples)}, true),
      set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`;
    // Projects small enough for an exact lookup: an HNSW scan over an index shared with larger
    // projects can spend its whole scan budget on their vectors and return a few neighbours.
    const small = new Set<string>();
    for (const p of new Set(queued.map((q) => q.project_id))) {
      const [row] = z.array(z.object({ n: z.number() })).parse(
        await tx`SELECT count(*)::int AS n FROM (SELECT 1 FROM prompt_embeddings
          WHERE project_id = ${p}::uuid AND model = ${o.model} LIMIT ${EXACT_LINK_MAX + 1}) x`,
      );
      if ((row?.n ?? 0) <= EXACT_LINK_MAX) small.add(p);
    }
    const byPlan = [true, false].map((exact) =>
      JSON.stringify(queued.filter((q) => small.has(q.project_id) === exact).map((q) => ({ project_id: q.project_id, id: q.prompt_id }))),
    );
    const candidates = [
      ...(await lookupCandidates(tx, o, byPlan[0] ?? "[]", true)),
      ...(await lookupCandidates(tx, o, byPlan[1] ?? "[]", false)),
    ];
    // The merge must not inherit enable_sort off: without sorts its window and list joins are planned
    // as full scans of the pk index of prompt_neighbors (seconds per batch once the table is large).
    await tx`SELECT set_config('enable_sort', 'on', true)`;
    let edges = 0;
    if (candidates.length > 0) {
      // Sorted, so two workers locking several projects cannot deadlock.
      for (const p of [...new Set(candidates.map((c) => c.project_id))].sort()) {
        await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`acp:prompt-links:${p}`}, 0))`;
      }
      edges = await mergeOffers(tx, o, JSON.stringify(candidates));
    }
    await tx`
      DELETE FROM prompt_link_queue q USING jsonb_to_recordset(${keys}::jsonb) AS r(project_id uuid, id bigint)
      WHERE q.project_id = r.project_id AND q.prompt_id = r.id AND q.model = ${o.model}`;
    return { linked: queued.length, edges };
  });
}

/** Up to this many vectors in a project's space, its neighbours are looked up exactly (a scan). */
const EXACT_LINK_MAX = 5000;

/**
 * The `candidates` nearest of each keyed prompt. `exact`: by a scan of the project's vectors (the
 * ORDER BY is an expression the HNSW index cannot serve); else by the HNSW index.
 * Similarities travel as text: float4 → text → float4 is exact, so both directions of a pair
 * carry the very same value.
 */
async function lookupCandidates(tx: TransactionSql, o: LinkOptions, keys: string, exact: boolean) {
  if (keys === "[]") return [];
  // The index serves the half-precision order (hnsw.ts); the similarity kept is the float4 one,
  // and the `candidates` (40 for a list of 10) cover the rows whose rank differs between the two.
  const half = halfVector(spaceDimensions(o.model));
  const order = exact ? tx`(e2.embedding <=> s.embedding) + 0, e2.prompt_id` : tx.unsafe(`e2.embedding::${half} <=> s.embedding::${half}`);
  return z.array(candidateRow).parse(
    await tx`
      SELECT s.project_id::text, s.id::text AS a, n.prompt_id::text AS b, (1 - n.d)::real::text AS sim
      FROM (
        SELECT e.project_id, e.prompt_id AS id, e.embedding
        FROM jsonb_to_recordset(${keys}::jsonb) AS r(project_id uuid, id bigint)
        JOIN prompt_embeddings e ON e.project_id = r.project_id AND e.prompt_id = r.id AND e.model = ${o.model}
      ) s
      CROSS JOIN LATERAL (
        SELECT e2.prompt_id, e2.embedding <=> s.embedding AS d
        FROM prompt_embeddings e2
        WHERE e2.project_id = s.project_id AND e2.model = ${o.model} AND e2.prompt_id <> s.id
        ORDER BY ${order}
        LIMIT ${o.candidates}
      ) n
      WHERE (1 - n.d)::real >= ${o.floor}::real`,
  );
}

/**
 * Offers every candidate pair in both directions; a list takes an offer that can be among its
 * best k, then drops what fell beyond k (order: similarity desc, then neighbour id).
 */
export async function mergeOffers(tx: TransactionSql, o: LinkOptions, candidates: string): Promise<number> {
  const inserted = z.array(affectedRow).parse(
    await tx`
      WITH c AS (SELECT * FROM jsonb_to_recordset(${candidates}::jsonb) AS c(project_id uuid, a bigint, b bigint, sim text)),
      offers AS (
        SELECT project_id, a AS x, b AS y, sim::real AS sim FROM c
        UNION
        SELECT project_id, b AS x, a AS y, sim::real AS sim FROM c
      ),
      best AS (
        SELECT * FROM (SELECT offers.*, row_number() OVER (PARTITION BY project_id, x ORDER BY sim DESC, y) AS r FROM offers) z
        WHERE r <= ${o.k}
      ),
      lists AS (
        SELECT l.project_id, l.x, count(n.neighbor_id) AS n, min(n.similarity) AS worst
        FROM (SELECT DISTINCT project_id, x FROM best) l
        LEFT JOIN prompt_neighbors n ON n.project_id = l.project_id AND n.prompt_id = l.x AND n.model = ${o.model}
        GROUP BY l.project_id, l.x
      )
      INSERT INTO prompt_neighbors (project_id, prompt_id, neighbor_id, model, similarity)
      SELECT best.project_id, best.x, best.y, ${o.model}, best.sim
      FROM best JOIN lists ON lists.project_id = best.project_id AND lists.x = best.x
      WHERE lists.n < ${o.k} OR best.sim >= lists.worst
      ORDER BY 1, 2, 3
      ON CONFLICT DO NOTHING
      RETURNING project_id::text, prompt_id::text`,
  );
  if (inserted.length === 0) return 0;
  const affected = JSON.stringify([...new Map(inserted.map((r) => [`${r.project_id}/${r.prompt_id}`, r])).values()]);
  const trimmed = await tx`
    DELETE FROM prompt_neighbors d USING (
      SELECT project_id, prompt_id, neighbor_id FROM (
        SELECT n.project_id, n.prompt_id, n.neighbor_id,
          row_number() OVER (PARTITION BY n.project_id, n.prompt_id ORDER BY n.similarity DESC, n.neighbor_id) AS r
        FROM jsonb_to_recordset(${affected}::jsonb) AS a(project_id uuid, prompt_id bigint)
        JOIN prompt_neighbors n ON n.project_id = a.project_id AND n.prompt_id = a.prompt_id AND n.model = ${o.model}
      ) z WHERE r > ${o.k}
    ) x
    WHERE d.project_id = x.project_id AND d.prompt_id = x.prompt_id AND d.neighbor_id = x.neighbor_id AND d.model = ${o.model}`;
  return inserted.length - trimmed.count;
}
