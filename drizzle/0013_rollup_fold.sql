CREATE TABLE "rollup_fold_state" (
	"id" smallint PRIMARY KEY NOT NULL,
	"snap" "pg_snapshot" NOT NULL,
	"folds" bigint DEFAULT 0 NOT NULL,
	"folded_events" bigint DEFAULT 0 NOT NULL,
	"folded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rollup_fold_state_one_row_ck" CHECK ("rollup_fold_state"."id" = 1)
);
--> statement-breakpoint
-- No default while adding: existing rows keep NULL (no table rewrite). They were counted in the
-- rollups by the ingestion statement that stored them, so they are neither folded nor tail.
ALTER TABLE "cost_events" ADD COLUMN "xid" "xid8";--> statement-breakpoint
ALTER TABLE "cost_events" ALTER COLUMN "xid" SET DEFAULT pg_current_xact_id();--> statement-breakpoint
CREATE INDEX "cost_events_xid_idx" ON "cost_events" USING btree ("xid");--> statement-breakpoint
-- The starting fold state: everything this transaction can see counts as folded.
INSERT INTO "rollup_fold_state" ("id", "snap") VALUES (1, pg_current_snapshot());
--> statement-breakpoint
-- The events not folded yet (src/server/rollups/): xid not visible in the last fold's snapshot.
-- A function so that it is always read through cost_events_xid_idx: with the bound known only at
-- run time (and no statistics where autovacuum is off) the planner would otherwise pick a range
-- of the keyset index or a sequential scan, touching millions of rows to find a few thousand.
-- STABLE: it reads with the calling statement's snapshot, the one the rollup rows are read with.
CREATE FUNCTION unfolded_events() RETURNS SETOF cost_events
LANGUAGE sql STABLE ROWS 1000
SET enable_seqscan = off SET enable_bitmapscan = off SET max_parallel_workers_per_gather = 0
AS $$
  SELECT e.* FROM cost_events e
  WHERE e.xid >= pg_snapshot_xmin((SELECT snap FROM rollup_fold_state WHERE id = 1))
    AND NOT pg_visible_in_snapshot(e.xid, (SELECT snap FROM rollup_fold_state WHERE id = 1))
$$;
