import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  foreignKey,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  real,
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
    // A lower bound on the microseconds between two folded calls at different instants (NULL:
    // none yet), valid while callGapCalls = occurrences; kept by the fold, read by the clusters'
    // cache simulation (drizzle/0033).
    callGapUs: bigint("call_gap_us", { mode: "bigint" }),
    callGapCalls: bigint("call_gap_calls", { mode: "bigint" }).notNull().default(sql`0`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    // Embedding queue (src/features/prompts/server/worker/). Ingestion only inserts the defaults,
    // so a new prompt is queued without a trigger or a second statement. Done = a vector for
    // embed_model is stored and its neighbours are linked. embed_next_at is the claim's lease
    // and, after a failure, the backoff; embed_attempts doubles as the claim's fencing token.
    embedDone: boolean("embed_done").notNull().default(false),
    embedModel: text("embed_model"),
    embedAttempts: integer("embed_attempts").notNull().default(0),
    embedNextAt: timestamp("embed_next_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    unique("prompts_project_hash_uq").on(t.projectId, t.hash),
    // Small (pending rows only) and on columns ingestion never updates, so its upserts stay HOT.
    index("prompts_embed_queue_idx").on(t.embedNextAt.asc().nullsFirst()).where(sql`NOT ${t.embedDone}`),
    // The counters the clusters read in cost order, index-only where all-visible (drizzle/0034:
    // INCLUDE columns, which drizzle cannot declare, so the migration is written by hand).
    index("prompts_counters_idx").on(t.projectId, t.totalCostUsd.desc(), t.id),
  ],
);

// A row about one prompt in one vector space (embedding model), deleted with its prompt.
const perPromptModel = () => ({
  projectId: uuid("project_id").notNull(),
  promptId: bigint("prompt_id", { mode: "bigint" }).notNull(),
  model: text("model").notNull(),
});
const promptRef = (name: string, t: { projectId: AnyPgColumn; promptId: AnyPgColumn }) =>
  foreignKey({ name, columns: [t.projectId, t.promptId], foreignColumns: [prompts.projectId, prompts.id] }).onDelete(
    "cascade",
  );

export const promptEmbeddings = pgTable(
  "prompt_embeddings",
  {
    ...perPromptModel(),
    embedding: vector("embedding", { dimensions: EMBEDDING_COLUMN_DIMENSIONS }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.promptId, t.model] }),
    promptRef("prompt_embeddings_prompt_fk", t),
    // Half precision (migration 0032; features/prompts/server/worker/hnsw.ts says why).
    index("prompt_embeddings_hnsw_idx").using("hnsw", sql`(${t.embedding}::halfvec(${sql.raw(String(EMBEDDING_COLUMN_DIMENSIONS))})) halfvec_cosine_ops`),
  ],
);

// Near-duplicate edges (docs/prompt-similarity.md): a row (prompt → neighbor) says the neighbour
// is among the prompt's k nearest with similarity above a floor, per vector space; the edge set is
// every row read in both directions, so it depends only on the vectors, not on the embedding order.
// Clusters are the connected components over edges above the requested threshold.
// Only the first id has a foreign key: a cascade through neighbor_id would need a second index
// on every edge, and prompts are only ever deleted with their project.
export const promptNeighbors = pgTable(
  "prompt_neighbors",
  {
    projectId: uuid("project_id").notNull(),
    promptId: bigint("prompt_id", { mode: "bigint" }).notNull(),
    neighborId: bigint("neighbor_id", { mode: "bigint" }).notNull(),
    model: text("model").notNull(),
    similarity: real("similarity").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.promptId, t.neighborId, t.model] }),
    promptRef("prompt_neighbors_prompt_fk", t),
  ],
);

// Prompts whose vector is stored but not yet linked to its neighbours (the worker's second stage).
export const promptLinkQueue = pgTable(
  "prompt_link_queue",
  {
    ...perPromptModel(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.promptId, t.model] }),
    promptRef("prompt_link_queue_prompt_fk", t),
  ],
);
