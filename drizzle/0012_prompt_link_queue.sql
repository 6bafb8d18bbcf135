-- Near-duplicate edges become order-independent (docs/prompt-similarity.md): each row is one
-- prompt's pick among its k nearest (directed), so both directions of a pair may be stored.
ALTER TABLE "prompt_neighbors" DROP CONSTRAINT "prompt_neighbors_order_ck";
--> statement-breakpoint
-- Prompts whose vector is stored but whose neighbours are not linked yet: linking is a stage of
-- its own, so a large backlog can be stored without the HNSW index and linked after one build.
CREATE TABLE "prompt_link_queue" (
	"project_id" uuid NOT NULL,
	"prompt_id" bigint NOT NULL,
	"model" text NOT NULL,
	CONSTRAINT "prompt_link_queue_project_id_prompt_id_model_pk" PRIMARY KEY("project_id","prompt_id","model")
);
--> statement-breakpoint
ALTER TABLE "prompt_link_queue" ADD CONSTRAINT "prompt_link_queue_prompt_fk" FOREIGN KEY ("project_id","prompt_id") REFERENCES "public"."prompts"("project_id","id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- Edges stored under the old, order-dependent rule are replaced: every stored vector is linked again.
TRUNCATE "prompt_neighbors";
--> statement-breakpoint
INSERT INTO "prompt_link_queue" ("project_id", "prompt_id", "model")
SELECT "project_id", "prompt_id", "model" FROM "prompt_embeddings";
