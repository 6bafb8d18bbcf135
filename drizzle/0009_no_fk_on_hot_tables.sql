ALTER TABLE "cost_events" DROP CONSTRAINT "cost_events_project_id_projects_id_fk";
--> statement-breakpoint
ALTER TABLE "latency_daily" DROP CONSTRAINT "latency_daily_project_id_projects_id_fk";
--> statement-breakpoint
ALTER TABLE "latency_hourly" DROP CONSTRAINT "latency_hourly_project_id_projects_id_fk";
--> statement-breakpoint
ALTER TABLE "usage_daily" DROP CONSTRAINT "usage_daily_project_id_projects_id_fk";
--> statement-breakpoint
ALTER TABLE "usage_hourly" DROP CONSTRAINT "usage_hourly_project_id_projects_id_fk";
