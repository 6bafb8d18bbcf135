// The HNSW index as migration 0001 creates it (m 16, ef_construction 64: pgvector's defaults, which
// reach the recall target here — see docs/benchmarks.md). The rebuild script and the worker's
// backlog strategy recreate it identically, so the schema stays where the migrations expect it.
export const HNSW_INDEX = "prompt_embeddings_hnsw_idx";
export const CREATE_HNSW = `CREATE INDEX IF NOT EXISTS "${HNSW_INDEX}" ON "prompt_embeddings" USING hnsw ("embedding" vector_cosine_ops)`;
