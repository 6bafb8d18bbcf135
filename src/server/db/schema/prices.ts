import { sql } from "drizzle-orm";
import { date, index, integer, jsonb, numeric, pgTable, serial, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { projects } from "./projects";

// USD per 1M tokens. project_id NULL = the shipped catalog; a project's rows override it.
export const modelPrices = pgTable(
  "model_prices",
  {
    id: serial("id").primaryKey(),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    aliases: text("aliases").array().notNull().default(sql`'{}'::text[]`),
    input: numeric("input", { precision: 18, scale: 6 }).notNull(),
    output: numeric("output", { precision: 18, scale: 6 }).notNull(),
    cachedInput: numeric("cached_input", { precision: 18, scale: 6 }),
    cacheWrite: numeric("cache_write", { precision: 18, scale: 6 }),
    longContextThreshold: integer("long_context_threshold"),
    longContextInput: numeric("long_context_input", { precision: 18, scale: 6 }),
    longContextOutput: numeric("long_context_output", { precision: 18, scale: 6 }),
    longContextCachedInput: numeric("long_context_cached_input", { precision: 18, scale: 6 }),
    longContextCacheWrite: numeric("long_context_cache_write", { precision: 18, scale: 6 }),
    // The most prompt tokens the model accepts (what-if flags targets smaller than real calls).
    contextWindow: integer("context_window"),
    // {batch|flex|priority: {input, output, cachedInput?, cacheWrite?, longContext?}} as decimal
    // strings (exact); shares this row's effective date, so tier prices keep the same history.
    serviceTiers: jsonb("service_tiers"),
    effectiveFrom: date("effective_from").notNull(),
    source: text("source").notNull(),
    catalogVersion: text("catalog_version"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("model_prices_uq").on(t.projectId, t.provider, t.model, t.effectiveFrom).nullsNotDistinct(),
    index("model_prices_project_idx").on(t.projectId),
  ],
);
