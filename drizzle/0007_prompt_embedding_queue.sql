CREATE TABLE "prompt_neighbors" (
	"project_id" uuid NOT NULL,
	"prompt_id" bigint NOT NULL,
	"neighbor_id" bigint NOT NULL,
	"model" text NOT NULL,
	"similarity" real NOT NULL,
	CONSTRAINT "prompt_neighbors_project_id_prompt_id_neighbor_id_model_pk" PRIMARY KEY("project_id","prompt_id","neighbor_id","model"),
	CONSTRAINT "prompt_neighbors_order_ck" CHECK ("prompt_neighbors"."prompt_id" < "prompt_neighbors"."neighbor_id")
);
--> statement-breakpoint
ALTER TABLE "prompts" ADD COLUMN "embed_done" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "prompts" ADD COLUMN "embed_model" text;--> statement-breakpoint
ALTER TABLE "prompts" ADD COLUMN "embed_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "prompts" ADD COLUMN "embed_next_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "prompt_neighbors" ADD CONSTRAINT "prompt_neighbors_prompt_fk" FOREIGN KEY ("project_id","prompt_id") REFERENCES "public"."prompts"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "prompts_embed_queue_idx" ON "prompts" USING btree ("embed_next_at" NULLS FIRST) WHERE NOT "prompts"."embed_done";