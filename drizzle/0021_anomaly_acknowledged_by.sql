-- Anomaly alerts are acknowledged like budget alerts: who acknowledged one is kept beside when.
ALTER TABLE "anomaly_alerts" ADD COLUMN "acknowledged_by" text;
