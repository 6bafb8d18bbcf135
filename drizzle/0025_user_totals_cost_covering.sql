-- A deep page of the users by cost looks at the users before the cursor in all-time cost order
-- whose window holds less than all their events (first seen before the window, or last seen after
-- it). They were found through user_totals_first_seen_idx: every user the window cuts, each one's
-- row read from the heap, then filtered by cost — 8,600 rows and 4,200 heap pages at 5M events,
-- and every user of the project once the data is older than the window. With first and last seen
-- in the cost index, the same users are one index-only range from the top to the cursor (as many
-- entries as the page is deep): 14.5 -> 1.4 ms there. The cost index is already updated on every
-- fold of a user (cost_usd changes, so those updates are never HOT): the two columns add width,
-- not writes, and the first_seen index, which nothing else reads, is dropped (one index fewer to
-- maintain per folded user).
DROP INDEX IF EXISTS "user_totals_cost_idx";
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "user_totals_cost_idx" ON "user_totals" USING btree ("project_id","cost_usd" DESC,"user_id") INCLUDE ("first_seen","last_seen");
--> statement-breakpoint
DROP INDEX IF EXISTS "user_totals_first_seen_idx";
