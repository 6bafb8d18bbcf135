-- A user's calls carry their feature, model, cost and xid in cost_events_user_idx, so reading a
-- user's range is index-only (where the visibility map allows): the costliest feature and model
-- of a users page (from the window's calls, or all-time minus the calls outside the window) no
-- longer fetch one heap page per call. At 5M events with 300 heavy
-- users given 1,500 calls each before a 30-day window, users.list's first page went 658-897 ->
-- 146 ms in-process with this index alone (docs/benchmarks.md, session 29). The entries grow
-- (419 -> 626 MB at 5M) but the number of writes per event is the same.
DROP INDEX IF EXISTS "cost_events_user_idx";
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "cost_events_user_idx" ON "cost_events" USING btree ("project_id","user_id","ts" DESC NULLS FIRST,"id" DESC NULLS FIRST) INCLUDE ("feature","model","cost_usd","xid") WHERE "cost_events"."user_id" IS NOT NULL;
