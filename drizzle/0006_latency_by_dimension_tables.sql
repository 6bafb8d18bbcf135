CREATE TABLE "latency_daily" (
	"day" timestamp with time zone NOT NULL,
	"project_id" uuid NOT NULL,
	"dim" text NOT NULL,
	"key1" text NOT NULL,
	"key2" text NOT NULL,
	"bucket" smallint NOT NULL,
	"calls" bigint NOT NULL,
	CONSTRAINT "latency_daily_project_id_dim_day_key1_key2_bucket_pk" PRIMARY KEY("project_id","dim","day","key1","key2","bucket")
);
--> statement-breakpoint
CREATE TABLE "latency_hourly" (
	"hour" timestamp with time zone NOT NULL,
	"project_id" uuid NOT NULL,
	"dim" text NOT NULL,
	"key1" text NOT NULL,
	"key2" text NOT NULL,
	"bucket" smallint NOT NULL,
	"calls" bigint NOT NULL,
	CONSTRAINT "latency_hourly_project_id_dim_hour_key1_key2_bucket_pk" PRIMARY KEY("project_id","dim","hour","key1","key2","bucket")
);
--> statement-breakpoint
ALTER TABLE "latency_daily" ADD CONSTRAINT "latency_daily_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "latency_hourly" ADD CONSTRAINT "latency_hourly_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;