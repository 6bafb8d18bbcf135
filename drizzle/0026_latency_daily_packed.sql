-- A list's p95 (features, models) summed latency_daily over its page's keys and the window's days:
-- one row per day × key × bucket, 24,000 rows for 13 models over 30 days at 500k events, read and
-- grouped in 10-17 ms — most of models.list. latency_daily now holds one row per day × key with
-- the day's histogram packed into two arrays (its non-empty buckets ascending, and their counts):
-- the same figures in 60x fewer rows, summed by the server (src/features/analytics/server/latency.ts).
-- The fold merges a day's new events into its row (src/server/rollups/fold-sql.ts).
CREATE TABLE "latency_daily_packed" (
	"project_id" uuid NOT NULL,
	"dim" text NOT NULL,
	"key1" text NOT NULL,
	"key2" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"buckets" smallint[] NOT NULL,
	"counts" bigint[] NOT NULL,
	CONSTRAINT "latency_daily_packed_pk" PRIMARY KEY("project_id","dim","key1","key2","day")
);
--> statement-breakpoint
INSERT INTO "latency_daily_packed" (project_id, dim, key1, key2, day, buckets, counts)
SELECT project_id, dim, key1, key2, day, array_agg(bucket ORDER BY bucket), array_agg(calls ORDER BY bucket)
FROM "latency_daily" WHERE calls > 0 GROUP BY project_id, dim, key1, key2, day;
--> statement-breakpoint
DROP TABLE "latency_daily";
--> statement-breakpoint
ALTER TABLE "latency_daily_packed" RENAME TO "latency_daily";
--> statement-breakpoint
ALTER TABLE "latency_daily" RENAME CONSTRAINT "latency_daily_packed_pk" TO "latency_daily_project_id_dim_key1_key2_day_pk";
