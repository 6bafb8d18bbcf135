import "server-only";
import { sql, type SQL } from "drizzle-orm";
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

type SourceRow = { text: string; embedded: boolean };
type ItemRow = {
  id: string; preview: string; length: number; truncated: boolean; similarity: number;
  calls: string; cost: string; first_seen: string; last_seen: string;
};

const iso = (col: string) => sql.raw(`to_char(p.${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

// Transaction-local (set_config(..., true) = SET LOCAL): pooled connections, and PGlite's one
// shared session, never keep these settings. jit off: a millisecond lookup must never pay ~200 ms
// of JIT compilation because the plan's cost estimate crossed jit_above_cost (large projects, or
// the "index" plan's disabled sort).
function settings(t: SearchTuning): SQL {
  const forceIndex = t.plan === "index" ? sql`, set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)` : sql``;
  return sql`SELECT set_config('jit', 'off', true), set_config('hnsw.ef_search', ${String(t.efSearch)}, true),
    set_config('hnsw.iterative_scan', ${t.iterative}, true), set_config('hnsw.max_scan_tuples', ${String(t.maxScanTuples)}, true)${forceIndex}`;
}

/**
 * The search for a query vector `q` (an expression: the stored vector's subquery, or a literal).
 * The distance filter sits outside the MATERIALIZED CTE (pgvector's advice): inside, an iterative
 * scan would keep walking the graph looking for rows that can never qualify. relaxed_order may
 * hand rows back slightly out of order: over-fetch a little, re-sort outside.
 */
function nearest(projectId: string, model: string, input: SimilarInput, q: SQL): SQL {
  return sql`
    WITH nn AS MATERIALIZED (
      SELECT e.prompt_id, e.embedding <=> ${q} AS d
      FROM prompt_embeddings e
      WHERE e.project_id = ${projectId} AND e.model = ${model} AND e.prompt_id <> ${input.promptId}::bigint AND ${q} IS NOT NULL
      ORDER BY e.embedding <=> ${q}
      LIMIT ${input.limit + 10}
    )
    SELECT p.id::text AS id, left(p.text, ${PREVIEW_CHARS}) AS preview, p.original_length AS length, p.truncated,
      (1 - nn.d)::float8 AS similarity, p.occurrences::text AS calls, p.total_cost_usd::text AS cost,
      ${iso("first_seen")} AS first_seen, ${iso("last_seen")} AS last_seen
    FROM nn JOIN prompts p ON p.project_id = ${projectId} AND p.id = nn.prompt_id
    WHERE nn.d <= ${1 - input.minSimilarity}
    ORDER BY nn.d, p.id
    LIMIT ${input.limit}`;
}

/** Settings and statements in one transaction, pipelined: one round trip between BEGIN and COMMIT. */
async function inSearchTransaction(db: Db, tuning: SearchTuning, statements: SQL[]): Promise<unknown[][]> {
  return db.transaction(async (tx) => {
    const results = await Promise.all([tx.execute(settings(tuning)), ...statements.map((s) => tx.execute(s))]);
    return results.slice(1);
  });
}

/** Nearest prompts of the same project in the same vector space, most similar first. */
export async function findSimilar(
  db: Db,
  embedder: Embedder,
  projectId: string,
  input: SimilarInput,
  tuning: SearchTuning = DEFAULT_TUNING,
): Promise<SimilarResult> {
  const stored = sql`(SELECT embedding FROM prompt_embeddings
    WHERE project_id = ${projectId} AND prompt_id = ${input.promptId}::bigint AND model = ${embedder.model})`;
  const sourceSql = sql`SELECT p.text, ${stored} IS NOT NULL AS embedded FROM prompts p
    WHERE p.project_id = ${projectId} AND p.id = ${input.promptId}::bigint`;
  // The usual case in one go: the source's state and the search by its stored vector.
  const [sourceRows = [], found = []] = await inSearchTransaction(db, tuning, [sourceSql, nearest(projectId, embedder.model, input, stored)]);
  const source = (sourceRows as SourceRow[])[0];
  if (!source) {
    throw new AppError(404, "not_found", `prompt ${input.promptId} does not exist in this project`, {
      issues: [{ path: "promptId", message: "no such prompt in this project" }],
    });
  }
  let rows = found as ItemRow[];
  // Not embedded yet: embed it now (cached for an hour) and search again. A prompt without text
  // (empty, or stored without its text) has nothing to compare.
  if (!source.embedded && source.text !== "") {
    const q = toVectorLiteral(await embedQuery(embedder, source.text));
    const [again = []] = await inSearchTransaction(db, tuning, [nearest(projectId, embedder.model, input, sql`${q}::vector`)]);
    rows = again as ItemRow[];
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
