DROP INDEX "cost_events_keyset_idx";--> statement-breakpoint
DROP INDEX "cost_events_feature_idx";--> statement-breakpoint
DROP INDEX "cost_events_model_idx";--> statement-breakpoint
DROP INDEX "cost_events_provider_idx";--> statement-breakpoint
CREATE INDEX "cost_events_keyset_idx" ON "cost_events" USING btree ("project_id","ts" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cost_events_feature_idx" ON "cost_events" USING btree ("project_id","feature","ts" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cost_events_model_idx" ON "cost_events" USING btree ("project_id","model","ts" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cost_events_provider_idx" ON "cost_events" USING btree ("project_id","provider","ts" DESC NULLS FIRST,"id" DESC NULLS FIRST);