-- prompts.call_gap_us: a lower bound, in microseconds, on the time between any two of the
-- prompt's folded calls made at different instants (NULL: its folded calls were all made at one
-- instant, or there is none), valid while call_gap_calls = occurrences (the folded calls it
-- covers: a fold of an older version, during a rolling upgrade, adds calls without it). The fold
-- keeps both (src/server/rollups/fold-sql.ts); the clusters' cache simulation leaves out a lone
-- prompt whose bound exceeds the cache's lifetime: it cannot have an exact repeat within it
-- (src/features/prompts/server/clusters/compute.ts). Filled here from every stored call, the
-- unfolded included: more calls can only make the bound smaller.
ALTER TABLE "prompts" ADD COLUMN "call_gap_us" bigint;
--> statement-breakpoint
ALTER TABLE "prompts" ADD COLUMN "call_gap_calls" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
UPDATE "prompts" SET "call_gap_calls" = "occurrences" WHERE "occurrences" <> 0;
--> statement-breakpoint
UPDATE "prompts" p SET "call_gap_us" = g.gap
FROM (
  SELECT project_id, prompt_hash, min(gap) AS gap FROM (
    SELECT project_id, prompt_hash,
      (extract(epoch FROM ts - lag(ts) OVER (PARTITION BY project_id, prompt_hash ORDER BY ts)) * 1000000)::bigint AS gap
    FROM cost_events WHERE prompt_hash IS NOT NULL
  ) d WHERE gap > 0 GROUP BY project_id, prompt_hash
) g
WHERE p.project_id = g.project_id AND p.hash = g.prompt_hash;
