import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import type { SimilarInput } from "../schemas";
import { toVectorLiteral, type Embedder } from "./embedders/types";
import { embedQuery } from "./query-cache";

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

type SourceRow = { text: string; embedding: string | null };
type ItemRow = {
  id: string; preview: string; length: number; truncated: boolean; similarity: number;
  calls: string; cost: string; first_seen: string; last_seen: string;
};

const iso = (col: string) => sql.raw(`to_char(p.${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** The source prompt's vector: stored by the worker, or embedded now (and cached) if not there yet. */
async function sourceVector(db: Db, embedder: Embedder, projectId: string, promptId: string) {
  const rows = (await db.execute(sql`
    SELECT p.text, e.embedding::text AS embedding
    FROM prompts p
    LEFT JOIN prompt_embeddings e ON e.project_id = p.project_id AND e.prompt_id = p.id AND e.model = ${embedder.model}
    WHERE p.project_id = ${projectId} AND p.id = ${promptId}::bigint`)) as unknown as SourceRow[];
  const row = rows[0];
  if (!row) throw new AppError(404, "not_found", `prompt ${promptId} does not exist in this project`, { issues: [{ path: "promptId", message: "no such prompt in this project" }] });
  if (row.embedding !== null) return { vector: row.embedding, embedded: true };
  // No text (an empty prompt, or one stored without its text): nothing to compare.
  if (row.text === "") return { vector: null, embedded: false };
  return { vector: toVectorLiteral(await embedQuery(embedder, row.text)), embedded: false };
}

/** Nearest prompts of the same project in the same vector space, most similar first. */
export async function findSimilar(
  db: Db,
  embedder: Embedder,
  projectId: string,
  input: SimilarInput,
  tuning: SearchTuning = DEFAULT_TUNING,
): Promise<SimilarResult> {
  const source = await sourceVector(db, embedder, projectId, input.promptId);
  const vector = source.vector;
  if (vector === null) return { promptId: input.promptId, model: embedder.model, embedded: false, items: [] };
  // relaxed_order may hand rows back slightly out of order: over-fetch a little, re-sort outside.
  const fetch = input.limit + 10;
  const rows = await db.transaction(async (tx) => {
    // Transaction-local (set_config(..., true) = SET LOCAL): pooled connections, and PGlite's one
    // shared session, never keep these settings.
    // jit off: a millisecond lookup must never pay ~200 ms of JIT compilation because the plan's
    // cost estimate crossed jit_above_cost (large projects, or the "index" plan's disabled sort).
    await tx.execute(sql`SELECT set_config('jit', 'off', true), set_config('hnsw.ef_search', ${String(tuning.efSearch)}, true),
      set_config('hnsw.iterative_scan', ${tuning.iterative}, true),
      set_config('hnsw.max_scan_tuples', ${String(tuning.maxScanTuples)}, true)`);
    if (tuning.plan === "index") await tx.execute(sql`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)`);
    // The distance filter sits outside the MATERIALIZED CTE (pgvector's advice): inside, an
    // iterative scan would keep walking the graph looking for rows that can never qualify.
    return (await tx.execute(sql`
      WITH nn AS MATERIALIZED (
        SELECT e.prompt_id, e.embedding <=> ${vector}::vector AS d
        FROM prompt_embeddings e
        WHERE e.project_id = ${projectId} AND e.model = ${embedder.model} AND e.prompt_id <> ${input.promptId}::bigint
        ORDER BY e.embedding <=> ${vector}::vector
        LIMIT ${fetch}
      )
      SELECT p.id::text AS id, left(p.text, ${PREVIEW_CHARS}) AS preview, p.original_length AS length, p.truncated,
        (1 - nn.d)::float8 AS similarity, p.occurrences::text AS calls, p.total_cost_usd::text AS cost,
        ${iso("first_seen")} AS first_seen, ${iso("last_seen")} AS last_seen
      FROM nn JOIN prompts p ON p.project_id = ${projectId} AND p.id = nn.prompt_id
      WHERE nn.d <= ${1 - input.minSimilarity}
      ORDER BY nn.d, p.id
      LIMIT ${input.limit}`)) as unknown as ItemRow[];
  });
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
