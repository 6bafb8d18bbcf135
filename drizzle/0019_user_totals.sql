-- Each end user's folded calls and cost of all time: the bound the users list reads users in
-- (topUsersByCost), maintained by the rollup fold and moved by repricing. Backfilled from the
-- daily attribution rollup, which holds exactly the folded events (taken under the fold lock).
SELECT pg_advisory_xact_lock(815004230);
--> statement-breakpoint
CREATE TABLE "user_totals" (
	"project_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"calls" bigint NOT NULL,
	"cost_usd" numeric(30, 12) NOT NULL,
	CONSTRAINT "user_totals_project_id_user_id_pk" PRIMARY KEY("project_id","user_id")
);
--> statement-breakpoint
CREATE INDEX "user_totals_cost_idx" ON "user_totals" USING btree ("project_id","cost_usd" DESC,"user_id");
--> statement-breakpoint
CREATE INDEX "attribution_daily_key_idx" ON "attribution_daily" USING btree ("project_id","dim","key","day");
--> statement-breakpoint
CREATE INDEX "attribution_hourly_key_idx" ON "attribution_hourly" USING btree ("project_id","dim","key","hour");
--> statement-breakpoint
INSERT INTO "user_totals" ("project_id", "user_id", "calls", "cost_usd")
SELECT "project_id", "key", sum("calls"), sum("cost_usd") FROM "attribution_daily"
WHERE "dim" = 'user' AND "key" <> '' GROUP BY 1, 2;
