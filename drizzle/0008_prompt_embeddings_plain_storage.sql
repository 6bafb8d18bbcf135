-- A 512-dimension vector is 2,056 bytes: just over the 2 kB TOAST threshold, so by default every
-- vector lives out of line. Sequential scans then look cheap to the planner (the heap is tiny)
-- while each row costs a TOAST fetch, and the planner picks exact scans of large projects over
-- the HNSW index. PLAIN keeps vectors in the row (EMBEDDING_DIMENSIONS ≤ 2000 always fits a page).
ALTER TABLE "prompt_embeddings" ALTER COLUMN "embedding" SET STORAGE PLAIN;
