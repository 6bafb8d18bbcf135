-- user_totals keeps every usage metric of each end user's folded events and when they were first
-- and last seen, so a user whose events all fall inside a window (first_seen >= from, last_seen <
-- to) is answered from this row exactly; user_mix_totals keeps each user's folded calls and cost
-- per feature and per model (their costliest feature and model). Both are maintained by the rollup fold and
-- moved by repricing. Backfilled under the fold lock: user_totals from the daily attribution
-- rollup (exactly the folded events), user_mix_totals from the folded events themselves.
SELECT pg_advisory_xact_lock(815004230);
--> statement-breakpoint
ALTER TABLE "user_totals" ADD COLUMN "errors" bigint DEFAULT 0 NOT NULL,
  ADD COLUMN "unpriced_calls" bigint DEFAULT 0 NOT NULL,
  ADD COLUMN "input_tokens" bigint DEFAULT 0 NOT NULL,
  ADD COLUMN "output_tokens" bigint DEFAULT 0 NOT NULL,
  ADD COLUMN "cached_input_tokens" bigint DEFAULT 0 NOT NULL,
  ADD COLUMN "cache_write_tokens" bigint DEFAULT 0 NOT NULL,
  ADD COLUMN "reasoning_tokens" bigint DEFAULT 0 NOT NULL,
  ADD COLUMN "latency_count" bigint DEFAULT 0 NOT NULL,
  ADD COLUMN "latency_sum_ms" bigint DEFAULT 0 NOT NULL,
  ADD COLUMN "first_seen" timestamp with time zone,
  ADD COLUMN "last_seen" timestamp with time zone;
--> statement-breakpoint
UPDATE "user_totals" t SET "errors" = x.errors, "unpriced_calls" = x.unpriced_calls, "input_tokens" = x.input_tokens,
  "output_tokens" = x.output_tokens, "cached_input_tokens" = x.cached_input_tokens, "cache_write_tokens" = x.cache_write_tokens,
  "reasoning_tokens" = x.reasoning_tokens, "latency_count" = x.latency_count, "latency_sum_ms" = x.latency_sum_ms,
  "first_seen" = x.first_seen, "last_seen" = x.last_seen
FROM (
  SELECT "project_id", "key", sum("errors") AS errors, sum("unpriced_calls") AS unpriced_calls, sum("input_tokens") AS input_tokens,
    sum("output_tokens") AS output_tokens, sum("cached_input_tokens") AS cached_input_tokens, sum("cache_write_tokens") AS cache_write_tokens,
    sum("reasoning_tokens") AS reasoning_tokens, sum("latency_count") AS latency_count, sum("latency_sum_ms") AS latency_sum_ms,
    min("first_seen") AS first_seen, max("last_seen") AS last_seen
  FROM "attribution_daily" WHERE "dim" = 'user' AND "key" <> '' GROUP BY 1, 2
) x
WHERE t."project_id" = x."project_id" AND t."user_id" = x."key";
--> statement-breakpoint
-- A user row exists only once the fold has counted one of the user's events: never without a first event.
DELETE FROM "user_totals" WHERE "first_seen" IS NULL;
--> statement-breakpoint
ALTER TABLE "user_totals" ALTER COLUMN "errors" DROP DEFAULT, ALTER COLUMN "unpriced_calls" DROP DEFAULT,
  ALTER COLUMN "input_tokens" DROP DEFAULT, ALTER COLUMN "output_tokens" DROP DEFAULT,
  ALTER COLUMN "cached_input_tokens" DROP DEFAULT, ALTER COLUMN "cache_write_tokens" DROP DEFAULT,
  ALTER COLUMN "reasoning_tokens" DROP DEFAULT, ALTER COLUMN "latency_count" DROP DEFAULT,
  ALTER COLUMN "latency_sum_ms" DROP DEFAULT, ALTER COLUMN "first_seen" SET NOT NULL, ALTER COLUMN "last_seen" SET NOT NULL;
--> statement-breakpoint
CREATE INDEX "user_totals_first_seen_idx" ON "user_totals" USING btree ("project_id","first_seen");
--> statement-breakpoint
CREATE TABLE "user_mix_totals" (
	"project_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"calls" bigint NOT NULL,
	"cost_usd" numeric(30, 12) NOT NULL,
	CONSTRAINT "user_mix_totals_project_id_user_id_kind_value_pk" PRIMARY KEY("project_id","user_id","kind","value")
);
--> statement-breakpoint
INSERT INTO "user_mix_totals" ("project_id", "user_id", "kind", "value", "calls", "cost_usd")
SELECT e."project_id", e."user_id", k.kind, k.value, count(*), coalesce(sum(e."cost_usd"), 0)
FROM "cost_events" e CROSS JOIN LATERAL (VALUES ('feature'::text, e."feature"), ('model'::text, e."model")) AS k(kind, value),
  "rollup_fold_state" s
WHERE s."id" = 1 AND e."user_id" IS NOT NULL
  AND (e."xid" IS NULL OR e."xid" < pg_snapshot_xmin(s."snap") OR pg_visible_in_snapshot(e."xid", s."snap"))
GROUP BY 1, 2, 3, 4;
