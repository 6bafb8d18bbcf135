-- A list's p95 (features, models) reads latency_daily for the keys on its page over a window of
-- days. The primary key leads with the day, so each key's rows were found by scanning the window
-- for every key (a sequential scan, or a bitmap per key over the whole window). Leading with the
-- key and then the day, each key's window is one index range: the p95 statement of models.list at
-- 5M events over 30 days went 78 -> 50 ms. The fold's updates of `calls` are no longer HOT for this
-- table; a daily row is updated at most once per fold.
CREATE INDEX IF NOT EXISTS "latency_daily_keys_idx" ON "latency_daily" USING btree ("project_id","dim","key1","key2","day") INCLUDE ("bucket","calls");
