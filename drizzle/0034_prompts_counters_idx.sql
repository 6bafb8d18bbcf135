-- The prompts' counters in cost order: prompts.clusters' first step wants a project's prompts by
-- total cost (then id), with their calls and call gaps (src/features/prompts/server/clusters/
-- compute.ts). The table is wide (the text is stored inline), and the step read all of it and
-- sorted every prompt. Without a window it now reads the first 20,001 entries of this index plus
-- the prompts with unfolded calls; with one, every entry, index-only where the pages are
-- all-visible (after a vacuum) — ~150 bytes per prompt instead of the row. bench:similarity's
-- 100k prompts, the statement alone: 145–168 → 55 ms (session 42). The fold's updates of the
-- counters now add an entry here (they were seldom HOT already: rows of ~1 KB).
CREATE INDEX IF NOT EXISTS "prompts_counters_idx" ON "prompts" USING btree ("project_id","total_cost_usd" DESC,"id") INCLUDE ("hash","occurrences","call_gap_us","call_gap_calls","first_seen","last_seen");
