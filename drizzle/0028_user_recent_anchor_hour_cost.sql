-- Each user's cost in the anchor's own hour, in their recent row and in the cost index: a deep
-- page over the last N days bounds the users the window cuts (seen between the anchor and the
-- window's start, the same hour) by it, in the index-only range it already reads, instead of one
-- probe of attribution_hourly per user (hundreds late in the hour). The rows are rebuilt by the
-- next fold (taken under the fold lock: no fold runs meanwhile).
SELECT pg_advisory_xact_lock(815004230);
--> statement-breakpoint
DELETE FROM "user_recent_anchors";
--> statement-breakpoint
DELETE FROM "user_recent_totals";
--> statement-breakpoint
ALTER TABLE "user_recent_totals" ADD COLUMN "anchor_hour_cost" numeric(30, 12) DEFAULT 0 NOT NULL;
--> statement-breakpoint
DROP INDEX IF EXISTS "user_recent_totals_cost_idx";
--> statement-breakpoint
CREATE INDEX "user_recent_totals_cost_idx" ON "user_recent_totals" USING btree ("project_id","span_days","cost_usd" DESC,"user_id") INCLUDE ("first_seen","last_seen","anchor_hour_cost");
