// The HNSW index as migration 0032 creates it (m 16, ef_construction 64: pgvector's defaults, which
// reach the recall target here — see docs/benchmarks.md). The rebuild script and the worker's
// backlog strategy recreate it identically, so the schema stays where the migrations expect it.
// It indexes the vectors in half precision (halfvec): half the size of the float4 graph, so on a
// server whose shared_buffers hold less than the index (this machine: 128 MB for 313 MB at 120k
// vectors) a search reads half the pages from the OS. Scans order by the half-precision distance,
// over-fetch, and keep the float4 distance for what they return (similar.ts, link.ts).
// pgvector indexes an expression only with its dimension, and the column's changes with
// `npm run embeddings:rebuild`: the index is built for the column's, and queries name the
// dimension of the vector space they search (its model key ends with it, e.g. `…@512`).
export const HNSW_INDEX = "prompt_embeddings_hnsw_idx";

/** The half-precision type the index holds vectors of `dims` as. */
export function halfVector(dims: number): string {
  if (!Number.isInteger(dims) || dims < 1) throw new Error(`invalid vector dimension ${dims}`);
  return `halfvec(${dims})`;
}

/** The dimension of a vector space from its model key (`provider/model@dims`). */
export function spaceDimensions(model: string): number {
  const m = /@(\d+)$/.exec(model);
  if (!m?.[1]) throw new Error(`vector space key without a dimension: ${model}`);
  return Number(m[1]);
}

/** CREATE INDEX for a vector column of `dims` dimensions. */
export const createHnsw = (dims: number) =>
  `CREATE INDEX IF NOT EXISTS "${HNSW_INDEX}" ON "prompt_embeddings" USING hnsw (("embedding"::${halfVector(dims)}) halfvec_cosine_ops)`;
