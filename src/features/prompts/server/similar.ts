import "server-only";
import { availableParallelism } from "node:os";
import type postgres from "postgres";
import { z } from "zod";
import { env } from "~/env";
import { createConcurrencyGate, type ConcurrencyGate } from "~/server/concurrency-gate";
import type { DbClient, Sql } from "~/server/db";
import { int8, numeric, parseRows } from "~/server/db/query";
import { AppError } from "~/server/errors";
import { UNFOLDED_EVENTS_SQL } from "~/server/rollups/tail";
import type { SimilarInput } from "../schemas";
import { toVectorLiteral, type Embedder } from "./embedders/types";
import { embedQuery } from "./query-cache";
import { halfVector, spaceDimensions } from "./worker/hnsw";

const PREVIEW_CHARS = 300;

/**
 * HNSW search settings. ef_search is the candidate list per scan step (recall vs. time: see
 * `npm run bench:similarity`); iterative scans keep walking the graph while the project/model
 * filter rejects candidates, up to max_scan_tuples, so a small project in a big table still gets
 * `limit` rows when it has them.
 */
export type SearchTuning = {
  efSearch: number;
  maxScanTuples: number;
  iterative: "relaxed_order" | "strict_order" | "off";
  /**
   * "auto": the planner picks (an exact scan and sort of a small project beats the graph);
   * "index": the HNSW scan whatever the estimates (benchmarks and tests of the index path).
   */
  plan?: "auto" | "index";
};
const ITERATIVE: Record<SearchTuning["iterative"], string> = { relaxed_order: "relaxed_order", strict_order: "strict_order", off: "off" };

export const DEFAULT_TUNING: SearchTuning = { efSearch: 100, maxScanTuples: 20_000, iterative: "relaxed_order", plan: "auto" };

export type SimilarItem = {
  id: string;
  preview: string;
  length: number;
  truncated: boolean;
  similarity: number;
  calls: string;
  costUsd: string;
  firstSeen: string;
  lastSeen: string;
};
export type SimilarResult = { promptId: string; model: string; embedded: boolean; items: SimilarItem[] };

const sourceRowSchema = z.object({ text: z.string(), embedded: z.boolean() });
const itemRowSchema = z.object({
  id: z.string(),
  preview: z.string(),
  length: z.number().int(),
  truncated: z.boolean(),
  similarity: z.number(),
  calls: int8,
  cost: numeric,
  first_seen: z.string(),
  last_seen: z.string(),
});
type Fragment = postgres.PendingQuery<postgres.Row[]>;

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * Searches are CPU-bound in PostgreSQL (the graph walk and its distances, ~2–5 ms each): more of
 * them at once than there are cores only makes every one slower. Measured with 8 clients on 2
 * cores (session 42, bench:similarity's data): all 8 at once ran 311 searches/s at p95 56 ms and
 * 6.3 ms of CPU per search; 2 at a time, the other 6 waiting here, 375/s at p95 33 ms and 4.7 ms.
 * One gate per process (on globalThis: Next may evaluate this module more than once).
 */
declare global {
  var acpSearchGate: ConcurrencyGate | undefined;
}
const searchGate = (globalThis.acpSearchGate ??= createConcurrencyGate(env.SIMILARITY_SEARCH_CONCURRENCY ?? availableParallelism()));
/** How many searches this process runs at once (0: no limit). */
export const searchConcurrency = () => searchGate.limit;
/** Searches running and waiting for their turn now. */
export const searchGateStats = () => searchGate.stats;

/**
 * One transaction in ONE round trip: BEGIN, the settings, the statements and COMMIT are sent
 * together on a reserved connection (postgres.js pipelines what is not awaited). A failing
 * statement aborts the transaction, and COMMIT then only ends it. Transaction-local settings
 * (set_config(…, true) = SET LOCAL): pooled connections, and PGlite's one shared session, never
 * keep them. jit off: a millisecond lookup must never pay ~200 ms of JIT compilation because the
 * plan's cost estimate crossed jit_above_cost (large projects, or the "index" plan's disabled sort).
 */
function inSearchTransaction(client: Sql, t: SearchTuning, build: (c: Sql) => Fragment[]): Promise<postgres.Row[][]> {
  return searchGate.run(() => runSearchTransaction(client, t, build));
}

async function runSearchTransaction(client: Sql, t: SearchTuning, build: (c: Sql) => Fragment[]): Promise<postgres.Row[][]> {
  const c = await client.reserve();
  try {
    // SET LOCAL, not set_config(): on a Citus cluster (citus.propagate_set_commands = 'local')
    // SET LOCAL reaches the worker that runs the search; values are checked numbers and an enum.
    const force = t.plan === "index" ? "SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off;" : "";
    const all = [
      c`BEGIN`,
      c.unsafe(`SET LOCAL jit = off; SET LOCAL hnsw.ef_search = ${Math.trunc(t.efSearch)}; SET LOCAL hnsw.iterative_scan = ${ITERATIVE[t.iterative]};
        SET LOCAL hnsw.max_scan_tuples = ${Math.trunc(t.maxScanTuples)}; ${force}`).simple(),
      ...build(c),
      c`COMMIT`,
    ];
    const results = await Promise.all(all);
    return results.slice(2, -1);
  } catch (err) {
    await c`ROLLBACK`.catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/**
 * The search for a query vector `q` (the stored vector's subquery, or a literal). The distance
 * filter sits outside the MATERIALIZED CTE (pgvector's advice): inside, an iterative scan would
 * keep walking the graph looking for rows that can never qualify. relaxed_order may hand rows back
 * slightly out of order: over-fetch a little, re-sort outside. The index orders by the
 * half-precision distance (worker/hnsw.ts); `d`, the similarity returned and the final order are
 * the float4 distance, and the same over-fetch covers the rows whose rank differs between the two
 * (the two distances differ by less than 1e-4 at 512 dimensions).
 */
function nearest(c: Sql, projectId: string, model: string, input: SimilarInput, q: Fragment): Fragment {
  const half = halfVector(spaceDimensions(model));
  return c`
    WITH nn AS MATERIALIZED (
      SELECT e.prompt_id, e.embedding <=> ${q} AS d
      FROM prompt_embeddings e
      WHERE e.project_id = ${projectId} AND e.model = ${model} AND e.prompt_id <> ${input.promptId}::bigint AND ${q} IS NOT NULL
      ORDER BY e.embedding::${c.unsafe(half)} <=> (${q})::${c.unsafe(half)}
      LIMIT ${input.limit + 10}
    )
    SELECT p.id::text AS id, left(p.text, ${PREVIEW_CHARS}) AS preview, p.original_length AS length, p.truncated,
      (1 - nn.d)::float8 AS similarity, (p.occurrences + coalesce(t.n, 0))::text AS calls, (p.total_cost_usd + coalesce(t.cost, 0))::text AS cost,
      to_char(least(p.first_seen, t.first_seen) AT TIME ZONE 'UTC', ${c.unsafe(ISO)}) AS first_seen,
      to_char(greatest(p.last_seen, t.last_seen) AT TIME ZONE 'UTC', ${c.unsafe(ISO)}) AS last_seen
    FROM nn JOIN prompts p ON p.project_id = ${projectId} AND p.id = nn.prompt_id
      -- counters are folded like the rollups: add the events not folded yet
      LEFT JOIN (SELECT e.prompt_hash, count(*) AS n, coalesce(sum(e.cost_usd), 0) AS cost, min(e.ts) AS first_seen,
          max(e.ts) AS last_seen
        FROM ${c.unsafe(UNFOLDED_EVENTS_SQL)} e WHERE e.project_id = ${projectId} GROUP BY 1) t ON t.prompt_hash = p.hash
    WHERE nn.d <= ${1 - input.minSimilarity}
    ORDER BY nn.d, p.id
    LIMIT ${input.limit}`;
}

/** Nearest prompts of the same project in the same vector space, most similar first. */
export async function findSimilar(
  client: DbClient,
  embedder: Embedder,
  projectId: string,
  input: SimilarInput,
  tuning: SearchTuning = DEFAULT_TUNING,
): Promise<SimilarResult> {
  const model = embedder.model;
  // The usual case in one go: the source's state and the search by its stored vector.
  const [sourceRows = [], found = []] = await inSearchTransaction(client.sql, tuning, (c) => {
    const stored = c`(SELECT embedding FROM prompt_embeddings
      WHERE project_id = ${projectId} AND prompt_id = ${input.promptId}::bigint AND model = ${model})`;
    return [
      c`SELECT p.text, ${stored} IS NOT NULL AS embedded FROM prompts p WHERE p.project_id = ${projectId} AND p.id = ${input.promptId}::bigint`,
      nearest(c, projectId, model, input, stored),
    ];
  });
  const [source] = parseRows(sourceRowSchema, sourceRows);
  if (!source) {
    throw new AppError(404, "not_found", `prompt ${input.promptId} does not exist in this project`, {
      issues: [{ path: "promptId", message: "no such prompt in this project" }],
    });
  }
  let rows = parseRows(itemRowSchema, found);
  // Not embedded yet: embed it now (cached for an hour) and search again. A prompt without text
  // (empty, or stored without its text) has nothing to compare.
  if (!source.embedded && source.text !== "") {
    const q = toVectorLiteral(await embedQuery(embedder, source.text));
    const [again = []] = await inSearchTransaction(client.sql, tuning, (c) => [nearest(c, projectId, model, input, c`${q}::vector`)]);
    rows = parseRows(itemRowSchema, again);
  }
  return {
    promptId: input.promptId,
    model: embedder.model,
    embedded: source.embedded,
    items: rows.map((r) => ({
      id: r.id,
      preview: r.preview,
      length: r.length,
      truncated: r.truncated,
      // float4 distances: clamp the rounding noise so identical texts say exactly 1.
      similarity: Math.min(1, Math.max(-1, Number(r.similarity))),
      calls: r.calls,
      costUsd: r.cost,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
    })),
  };
}
