-- The HNSW index over the vectors in half precision (halfvec): the same graph parameters (m 16,
-- ef_construction 64), half the size (bench:similarity, 120k vectors of 512: 156 MB against
-- 313 MB), so a server whose shared_buffers hold less than the index reads half the pages from
-- the OS per search. Searches and the linker order by the half-precision distance, over-fetch,
-- and keep the float4 distance for what they return and store (src/features/prompts/server/
-- worker/hnsw.ts). pgvector indexes an expression only with its dimension: the column's, which
-- `npm run embeddings:rebuild` may have changed from 512. A rebuild in the migration's
-- transaction: prompt_embeddings stays locked while it builds (33 s for 120k vectors here).
DROP INDEX IF EXISTS "prompt_embeddings_hnsw_idx";--> statement-breakpoint
DO $$
DECLARE
  dims int;
BEGIN
  SELECT atttypmod INTO dims FROM pg_attribute
    WHERE attrelid = 'prompt_embeddings'::regclass AND attname = 'embedding' AND NOT attisdropped;
  EXECUTE format('CREATE INDEX IF NOT EXISTS "prompt_embeddings_hnsw_idx" ON "prompt_embeddings" USING hnsw (("embedding"::halfvec(%s)) halfvec_cosine_ops)', dims);
END
$$;
