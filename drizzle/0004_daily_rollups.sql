CREATE TABLE "latency_daily" (
	"project_id" uuid NOT NULL,
	"feature" text NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"bucket" smallint NOT NULL,
	"calls" bigint NOT NULL,
	CONSTRAINT "latency_daily_project_id_day_feature_model_provider_bucket_pk" PRIMARY KEY("project_id","day","feature","model","provider","bucket")
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"project_id" uuid NOT NULL,
	"feature" text NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
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
	CONSTRAINT "usage_daily_project_id_day_feature_model_provider_pk" PRIMARY KEY("project_id","day","feature","model","provider")
);
--> statement-breakpoint
ALTER TABLE "latency_daily" ADD CONSTRAINT "latency_daily_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_daily" ADD CONSTRAINT "usage_daily_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;