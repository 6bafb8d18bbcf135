CREATE TABLE "attribution_daily" (
	"day" timestamp with time zone NOT NULL,
	"project_id" uuid NOT NULL,
	"dim" text NOT NULL,
	"key" text NOT NULL,
	"calls" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"unpriced_calls" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cached_input_tokens" bigint NOT NULL,
	"cache_write_tokens" bigint NOT NULL,
	"reasoning_tokens" bigint NOT NULL,
	"cost_usd" numeric(30, 12) NOT NULL,
	"latency_count" bigint NOT NULL,
	"latency_sum_ms" bigint NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	CONSTRAINT "attribution_daily_project_id_dim_day_key_pk" PRIMARY KEY("project_id","dim","day","key")
);
--> statement-breakpoint
CREATE TABLE "attribution_hourly" (
	"hour" timestamp with time zone NOT NULL,
	"project_id" uuid NOT NULL,
	"dim" text NOT NULL,
	"key" text NOT NULL,
	"calls" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"unpriced_calls" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cached_input_tokens" bigint NOT NULL,
	"cache_write_tokens" bigint NOT NULL,
	"reasoning_tokens" bigint NOT NULL,
	"cost_usd" numeric(30, 12) NOT NULL,
	"latency_count" bigint NOT NULL,
	"latency_sum_ms" bigint NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	CONSTRAINT "attribution_hourly_project_id_dim_hour_key_pk" PRIMARY KEY("project_id","dim","hour","key")
);
--> statement-breakpoint
CREATE TABLE "promoted_metadata_keys" (
	"project_id" uuid NOT NULL,
	"key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "promoted_metadata_keys_project_id_key_pk" PRIMARY KEY("project_id","key")
);
--> statement-breakpoint
ALTER TABLE "cost_events" ADD COLUMN "tags" text[];--> statement-breakpoint
CREATE INDEX "cost_events_user_idx" ON "cost_events" USING btree ("project_id","user_id","ts" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE "cost_events"."user_id" IS NOT NULL;--> statement-breakpoint
-- Existing events: every one is in the user dimension (key '' = none) and, having no tags yet, in
-- the tag dimension's none group, so the rollups agree with cost_events from the first read.
INSERT INTO "attribution_hourly" (project_id, dim, hour, key, calls, errors, unpriced_calls, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_count, latency_sum_ms, first_seen, last_seen)
SELECT project_id, 'user', date_trunc('hour', ts, 'UTC'), coalesce(user_id, ''), count(*), count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE cost_source = 'unpriced'),
  sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens),
  coalesce(sum(cost_usd), 0), count(latency_ms), coalesce(sum(latency_ms), 0), min(ts), max(ts)
FROM "cost_events" GROUP BY project_id, date_trunc('hour', ts, 'UTC'), coalesce(user_id, '');
--> statement-breakpoint
INSERT INTO "attribution_hourly" (project_id, dim, hour, key, calls, errors, unpriced_calls, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_count, latency_sum_ms, first_seen, last_seen)
SELECT project_id, 'tag', date_trunc('hour', ts, 'UTC'), '', count(*), count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE cost_source = 'unpriced'),
  sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens),
  coalesce(sum(cost_usd), 0), count(latency_ms), coalesce(sum(latency_ms), 0), min(ts), max(ts)
FROM "cost_events" GROUP BY project_id, date_trunc('hour', ts, 'UTC');
--> statement-breakpoint
INSERT INTO "attribution_daily" (project_id, dim, day, key, calls, errors, unpriced_calls, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_count, latency_sum_ms, first_seen, last_seen)
SELECT project_id, 'user', date_trunc('day', ts, 'UTC'), coalesce(user_id, ''), count(*), count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE cost_source = 'unpriced'),
  sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens),
  coalesce(sum(cost_usd), 0), count(latency_ms), coalesce(sum(latency_ms), 0), min(ts), max(ts)
FROM "cost_events" GROUP BY project_id, date_trunc('day', ts, 'UTC'), coalesce(user_id, '');
--> statement-breakpoint
INSERT INTO "attribution_daily" (project_id, dim, day, key, calls, errors, unpriced_calls, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_count, latency_sum_ms, first_seen, last_seen)
SELECT project_id, 'tag', date_trunc('day', ts, 'UTC'), '', count(*), count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE cost_source = 'unpriced'),
  sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens),
  coalesce(sum(cost_usd), 0), count(latency_ms), coalesce(sum(latency_ms), 0), min(ts), max(ts)
FROM "cost_events" GROUP BY project_id, date_trunc('day', ts, 'UTC');
