-- Users by cost over the last N days without the users the window cuts: each user's folded usage
-- since an anchor per window length (1, 7, 30, 90 days) that follows the clock. With all-time
-- totals alone a deep page of "last 30 days" had to bound every user seen before the window and
-- above the cursor — thousands once the data is older than the window (48–52 ms p95 at 5M
-- events); from these rows only the users seen between the anchor and the window's start (about
-- an hour) are cut. The anchors and rows are built by the first fold (recent-totals.ts), under
-- the fold lock, from the events already folded.
CREATE TABLE "user_recent_totals" (
	"project_id" uuid NOT NULL,
	"span_days" integer NOT NULL,
	"user_id" text NOT NULL,
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
	CONSTRAINT "user_recent_totals_project_id_span_days_user_id_pk" PRIMARY KEY("project_id","span_days","user_id")
);
--> statement-breakpoint
CREATE INDEX "user_recent_totals_cost_idx" ON "user_recent_totals" USING btree ("project_id","span_days","cost_usd" DESC,"user_id") INCLUDE ("first_seen","last_seen");
--> statement-breakpoint
CREATE TABLE "user_recent_anchors" (
	"span_days" integer PRIMARY KEY NOT NULL,
	"anchor" timestamp with time zone NOT NULL
);
