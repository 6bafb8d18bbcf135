-- Budgets, their alerts and the evaluator's lease (src/features/budgets/).
-- The project's time zone: budget periods (day, week, month) start at local midnight there.
ALTER TABLE "projects" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
CREATE TABLE "budgets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE,
	"name" text NOT NULL,
	"scope" text NOT NULL,
	-- feature, model, provider, tag, user id, or the metadata value; '' for project and each_user.
	"scope_value" text DEFAULT '' NOT NULL,
	-- the metadata key for scope 'metadata', else ''.
	"scope_key" text DEFAULT '' NOT NULL,
	"amount_usd" numeric(30, 12) NOT NULL,
	"period" text NOT NULL,
	"thresholds" integer[] DEFAULT '{50,80,100}' NOT NULL,
	-- alerts are still recorded while muted, but not sent to channels
	"muted_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budgets_scope_ck" CHECK ("scope" IN ('project', 'feature', 'model', 'provider', 'tag', 'metadata', 'user', 'each_user')),
	CONSTRAINT "budgets_period_ck" CHECK ("period" IN ('day', 'week', 'month')),
	CONSTRAINT "budgets_amount_ck" CHECK ("amount_usd" > 0),
	CONSTRAINT "budgets_thresholds_ck" CHECK (cardinality("thresholds") BETWEEN 1 AND 10 AND 0 < ALL("thresholds") AND 1000 >= ALL("thresholds"))
);
--> statement-breakpoint
CREATE INDEX "budgets_project_idx" ON "budgets" USING btree ("project_id", "scope", "scope_value");--> statement-breakpoint
-- One alert per budget, period, threshold and subject (the end user of an each_user budget, else
-- ''): the evaluator inserts with ON CONFLICT DO NOTHING, so restarts, two instances and
-- repricing can never raise a second one.
CREATE TABLE "budget_alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE,
	"budget_id" uuid NOT NULL REFERENCES "budgets"("id") ON DELETE CASCADE,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"threshold" integer NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"spent_usd" numeric(30, 12) NOT NULL,
	"limit_usd" numeric(30, 12) NOT NULL,
	-- the evaluator lease's fencing token of the tick that raised it
	"fence" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" text,
	CONSTRAINT "budget_alerts_once_uq" UNIQUE ("budget_id", "period_start", "threshold", "subject")
);
--> statement-breakpoint
CREATE INDEX "budget_alerts_project_idx" ON "budget_alerts" USING btree ("project_id", "created_at" DESC, "id" DESC);--> statement-breakpoint
-- One evaluator at a time across instances (one row per lease name; the app uses 'budgets'): the
-- holder renews before expires_at; a taker bumps token, and writes carry the token they were made
-- under (fencing).
CREATE TABLE "budget_evaluator_lease" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"token" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- Where alerts go: a generic webhook (signed), a Slack incoming webhook, or e-mail over SMTP.
CREATE TABLE "notification_channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	-- webhook / slack: the URL; email: the SMTP server URL (smtp[s]://user:pass@host:port)
	"target" text NOT NULL,
	-- email only: sender and recipients
	"email_from" text,
	"email_to" text[],
	-- webhook only: the HMAC-SHA256 key of the signature header
	"secret" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_channels_kind_ck" CHECK ("kind" IN ('webhook', 'slack', 'email'))
);
--> statement-breakpoint
CREATE INDEX "notification_channels_project_idx" ON "notification_channels" USING btree ("project_id");--> statement-breakpoint
-- One delivery per alert and channel (created with the alert, in the evaluator's statement).
-- attempts doubles as the claim's fencing token: a sender whose claim was taken over cannot
-- record its result.
CREATE TABLE "alert_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE,
	"alert_id" bigint NOT NULL REFERENCES "budget_alerts"("id") ON DELETE CASCADE,
	"channel_id" uuid NOT NULL REFERENCES "notification_channels"("id") ON DELETE CASCADE,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"give_up_at" timestamp with time zone DEFAULT now() + interval '24 hours' NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_deliveries_status_ck" CHECK ("status" IN ('pending', 'delivered', 'failed')),
	CONSTRAINT "alert_deliveries_once_uq" UNIQUE ("alert_id", "channel_id")
);
--> statement-breakpoint
CREATE INDEX "alert_deliveries_due_idx" ON "alert_deliveries" USING btree ("next_attempt_at") WHERE "status" = 'pending';--> statement-breakpoint
CREATE INDEX "alert_deliveries_alert_idx" ON "alert_deliveries" USING btree ("alert_id");--> statement-breakpoint
-- The delivery log: every attempt with its HTTP status (or SMTP reply code) or error.
CREATE TABLE "alert_delivery_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"delivery_id" bigint NOT NULL REFERENCES "alert_deliveries"("id") ON DELETE CASCADE,
	"attempt" integer NOT NULL,
	"status_code" integer,
	"error" text,
	"duration_ms" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "alert_delivery_attempts_delivery_idx" ON "alert_delivery_attempts" USING btree ("delivery_id", "id");
--> statement-breakpoint
-- Anomaly alerts: an hour's spend of a feature or model far above the same hour of past weeks
-- (kind 'spike'), or the first call of a model without a price (kind 'unpriced_model', hour =
-- the hour it was first seen). One per project, kind, dimension, key and hour.
CREATE TABLE "anomaly_alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE,
	"kind" text NOT NULL,
	"dim" text NOT NULL,
	"key" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"cost_usd" numeric(30, 12) NOT NULL,
	"baseline_usd" numeric(30, 12),
	-- what drove it: top model, user and prompt of the hour
	"drivers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone,
	CONSTRAINT "anomaly_alerts_kind_ck" CHECK ("kind" IN ('spike', 'unpriced_model')),
	CONSTRAINT "anomaly_alerts_once_uq" UNIQUE ("project_id", "kind", "dim", "key", "hour")
);
--> statement-breakpoint
CREATE INDEX "anomaly_alerts_project_idx" ON "anomaly_alerts" USING btree ("project_id", "id" DESC);
