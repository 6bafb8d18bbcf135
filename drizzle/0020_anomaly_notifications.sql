-- Anomaly alerts are sent to the project's channels through the budget alerts' delivery machinery
-- (src/features/budgets/server/notify/): a delivery belongs to a budget alert (alert_id) or to an
-- anomaly alert (anomaly_id), never both, and is inserted in the same statement as its alert.
ALTER TABLE "alert_deliveries" ALTER COLUMN "alert_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD COLUMN "anomaly_id" bigint REFERENCES "anomaly_alerts"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_one_alert_ck" CHECK (("alert_id" IS NULL) <> ("anomaly_id" IS NULL));--> statement-breakpoint
-- One delivery per anomaly alert and channel (the budget alerts' alert_deliveries_once_uq ignores
-- rows whose alert_id is NULL).
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_anomaly_once_uq" UNIQUE ("anomaly_id", "channel_id");--> statement-breakpoint
-- Anomaly alerts of one feature or model muted for a while (recorded and listed, not sent), like
-- a budget's muted_until.
CREATE TABLE "anomaly_mutes" (
	"project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE,
	"dim" text NOT NULL,
	"key" text NOT NULL,
	"muted_until" timestamp with time zone NOT NULL,
	CONSTRAINT "anomaly_mutes_pk" PRIMARY KEY ("project_id", "dim", "key"),
	CONSTRAINT "anomaly_mutes_dim_ck" CHECK ("dim" IN ('feature', 'model'))
);
