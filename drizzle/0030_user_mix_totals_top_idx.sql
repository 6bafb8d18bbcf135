-- A users page's costliest feature and model, for a user whose whole folded history is inside
-- the window (all of a user's events when the window covers them): the first row of each kind
-- of this index (cost desc, then the name: the same ties as the general path), one step down
-- per user and kind, where the general path sorted every feature and model row of the page's
-- users (~2,400 rows for 100 users at 5M events: ~5 ms of a 25 ms page). The fold's updates of
-- cost_usd are no longer HOT for this table.
CREATE INDEX IF NOT EXISTS "user_mix_totals_top_idx" ON "user_mix_totals" USING btree ("project_id","user_id","kind","cost_usd" DESC,"value") INCLUDE ("calls");
