DROP TABLE "latency_daily" CASCADE;--> statement-breakpoint
DROP TABLE "latency_hourly" CASCADE;