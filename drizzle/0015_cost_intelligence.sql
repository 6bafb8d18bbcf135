CREATE TABLE "token_mix_daily" (
	"project_id" uuid NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"feature" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"service_tier" text NOT NULL,
	"band" smallint NOT NULL,
	"calls" bigint NOT NULL,
	"unpriced_calls" bigint NOT NULL,
	"reported_calls" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"cached_input_tokens" bigint NOT NULL,
	"cache_write_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"reasoning_tokens" bigint NOT NULL,
	"max_input_tokens" bigint NOT NULL,
	"cost_usd" numeric(30, 12) NOT NULL,
	"reported_cost_usd" numeric(30, 12) NOT NULL,
	CONSTRAINT "token_mix_daily_project_id_day_feature_provider_model_service_tier_band_pk" PRIMARY KEY("project_id","day","feature","provider","model","service_tier","band")
);
--> statement-breakpoint
ALTER TABLE "cost_events" ADD COLUMN "service_tier" text DEFAULT 'standard' NOT NULL;--> statement-breakpoint
ALTER TABLE "model_prices" ADD COLUMN "context_window" integer;--> statement-breakpoint
ALTER TABLE "model_prices" ADD COLUMN "service_tiers" jsonb;--> statement-breakpoint
ALTER TABLE "cost_events" ADD CONSTRAINT "cost_events_service_tier_ck" CHECK ("cost_events"."service_tier" IN ('standard', 'batch', 'flex', 'priority'));--> statement-breakpoint
-- The rollup starts equal to a full scan of the events already stored (all of them 'standard').
-- The band expression must stay the one in src/lib/token-bands.ts (TOKEN_BANDS_SQL).
INSERT INTO "token_mix_daily" (project_id, day, feature, provider, model, service_tier, band, calls, unpriced_calls,
  reported_calls, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
  max_input_tokens, cost_usd, reported_cost_usd)
SELECT project_id, date_trunc('day', ts, 'UTC'), feature, provider, model, service_tier,
  width_bucket(input_tokens - 1, ARRAY[8192,16385,32000,40000,64000,128000,131072,140800,200000,220000,256000,272000,299200,400000,1000000,1047576,1048576,1050000,2000000]::int[]), count(*),
  count(*) FILTER (WHERE cost_source = 'unpriced'), count(*) FILTER (WHERE cost_source = 'reported'),
  sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
  max(input_tokens), coalesce(sum(cost_usd), 0), coalesce(sum(cost_usd) FILTER (WHERE cost_source = 'reported'), 0)
FROM "cost_events"
GROUP BY 1, 2, 3, 4, 5, 6, 7;
