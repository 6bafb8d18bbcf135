CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text DEFAULT 'default' NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "cost_events" (
	"project_id" uuid NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "cost_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"event_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"feature" text DEFAULT '' NOT NULL,
	"user_id" text,
	"session_id" text,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"cached_input_tokens" integer DEFAULT 0 NOT NULL,
	"cache_write_tokens" integer DEFAULT 0 NOT NULL,
	"reasoning_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" numeric(24, 12),
	"cost_source" text NOT NULL,
	"latency_ms" integer,
	"status" text DEFAULT 'success' NOT NULL,
	"error_message" text,
	"prompt_hash" "bytea",
	"metadata" jsonb,
	CONSTRAINT "cost_events_project_id_event_id_pk" PRIMARY KEY("project_id","event_id"),
	CONSTRAINT "cost_events_cost_source_ck" CHECK (("cost_events"."cost_source" = 'unpriced') = ("cost_events"."cost_usd" IS NULL)),
	CONSTRAINT "cost_events_tokens_ck" CHECK ("cost_events"."input_tokens" >= 0 AND "cost_events"."output_tokens" >= 0 AND "cost_events"."cached_input_tokens" >= 0 AND "cost_events"."cache_write_tokens" >= 0 AND "cost_events"."reasoning_tokens" >= 0 AND "cost_events"."cached_input_tokens" + "cost_events"."cache_write_tokens" <= "cost_events"."input_tokens")
);
--> statement-breakpoint
CREATE TABLE "prompt_embeddings" (
	"project_id" uuid NOT NULL,
	"prompt_id" bigint NOT NULL,
	"model" text NOT NULL,
	"embedding" vector(512) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "prompt_embeddings_project_id_prompt_id_model_pk" PRIMARY KEY("project_id","prompt_id","model")
);
--> statement-breakpoint
CREATE TABLE "prompts" (
	"project_id" uuid NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "prompts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"hash" "bytea" NOT NULL,
	"text" text NOT NULL,
	"truncated" boolean DEFAULT false NOT NULL,
	"original_length" integer NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"occurrences" bigint NOT NULL,
	"total_cost_usd" numeric(30, 12) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "prompts_project_id_id_pk" PRIMARY KEY("project_id","id"),
	CONSTRAINT "prompts_project_hash_uq" UNIQUE("project_id","hash")
);
--> statement-breakpoint
CREATE TABLE "model_prices" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" uuid,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"aliases" text[] DEFAULT '{}'::text[] NOT NULL,
	"input" numeric(18, 6) NOT NULL,
	"output" numeric(18, 6) NOT NULL,
	"cached_input" numeric(18, 6),
	"cache_write" numeric(18, 6),
	"long_context_threshold" integer,
	"long_context_input" numeric(18, 6),
	"long_context_output" numeric(18, 6),
	"long_context_cached_input" numeric(18, 6),
	"long_context_cache_write" numeric(18, 6),
	"effective_from" date NOT NULL,
	"source" text NOT NULL,
	"catalog_version" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_prices_uq" UNIQUE NULLS NOT DISTINCT("project_id","provider","model","effective_from")
);
--> statement-breakpoint
CREATE TABLE "latency_hourly" (
	"project_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"feature" text NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
	"bucket" smallint NOT NULL,
	"calls" bigint NOT NULL,
	CONSTRAINT "latency_hourly_project_id_hour_feature_model_provider_bucket_pk" PRIMARY KEY("project_id","hour","feature","model","provider","bucket")
);
--> statement-breakpoint
CREATE TABLE "usage_hourly" (
	"project_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"feature" text NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
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
	CONSTRAINT "usage_hourly_project_id_hour_feature_model_provider_pk" PRIMARY KEY("project_id","hour","feature","model","provider")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_events" ADD CONSTRAINT "cost_events_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_embeddings" ADD CONSTRAINT "prompt_embeddings_prompt_fk" FOREIGN KEY ("project_id","prompt_id") REFERENCES "public"."prompts"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompts" ADD CONSTRAINT "prompts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_prices" ADD CONSTRAINT "model_prices_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "latency_hourly" ADD CONSTRAINT "latency_hourly_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_hourly" ADD CONSTRAINT "usage_hourly_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_project_idx" ON "api_keys" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "cost_events_keyset_idx" ON "cost_events" USING btree ("project_id","ts" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "cost_events_feature_idx" ON "cost_events" USING btree ("project_id","feature","ts" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "cost_events_model_idx" ON "cost_events" USING btree ("project_id","model","ts" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "cost_events_provider_idx" ON "cost_events" USING btree ("project_id","provider","ts" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "prompt_embeddings_hnsw_idx" ON "prompt_embeddings" USING hnsw ("embedding" vector_cosine_ops);--> statement-breakpoint
CREATE INDEX "model_prices_project_idx" ON "model_prices" USING btree ("project_id");