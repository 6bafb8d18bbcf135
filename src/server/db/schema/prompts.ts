import {
  bigint,
  boolean,
  foreignKey,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
  vector,
} from "drizzle-orm/pg-core";
import { bytea, projects } from "./projects";

// The vector column has a fixed dimension; changing EMBEDDING_DIMENSIONS needs a migration + rebuild.
export const EMBEDDING_COLUMN_DIMENSIONS = 512;

// One row per distinct normalized prompt text per project, maintained on ingest.
export const prompts = pgTable(
  "prompts",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: bigint("id", { mode: "bigint" }).generatedAlwaysAsIdentity(),
    // SHA-256 of the normalized full text (before any truncation for storage).
    hash: bytea("hash").notNull(),
    text: text("text").notNull(),
    truncated: boolean("truncated").notNull().default(false),
    originalLength: integer("original_length").notNull(),
    firstSeen: timestamp("first_seen", { withTimezone: true }).notNull(),
    lastSeen: timestamp("last_seen", { withTimezone: true }).notNull(),
    occurrences: bigint("occurrences", { mode: "bigint" }).notNull(),
    totalCostUsd: numeric("total_cost_usd", { precision: 30, scale: 12 }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    unique("prompts_project_hash_uq").on(t.projectId, t.hash),
  ],
);

export const promptEmbeddings = pgTable(
  "prompt_embeddings",
  {
    projectId: uuid("project_id").notNull(),
    promptId: bigint("prompt_id", { mode: "bigint" }).notNull(),
    model: text("model").notNull(),
    embedding: vector("embedding", { dimensions: EMBEDDING_COLUMN_DIMENSIONS }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.promptId, t.model] }),
    foreignKey({
      name: "prompt_embeddings_prompt_fk",
      columns: [t.projectId, t.promptId],
      foreignColumns: [prompts.projectId, prompts.id],
    }).onDelete("cascade"),
    index("prompt_embeddings_hnsw_idx").using("hnsw", t.embedding.op("vector_cosine_ops")),
  ],
);
