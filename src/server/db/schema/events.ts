import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { bytea, xid8 } from "./projects";

// One row per LLM call. Money is numeric(24,12): exact to the picodollar, never a float.
export const costEvents = pgTable(
  "cost_events",
  {
    // No foreign key: see rollups.ts (checked per row on the hottest insert path).
    projectId: uuid("project_id").notNull(),
    // Unique tiebreaker for keyset ordering (timestamp desc, id desc).
    id: bigint("id", { mode: "bigint" }).generatedAlwaysAsIdentity(),
    // The client's id (idempotency key) or one generated at ingestion.
    eventId: text("event_id").notNull(),
    ts: timestamp("ts", { withTimezone: true }).notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    // '' when the client sent no feature: keeps rollup keys and filters free of NULL semantics.
    feature: text("feature").notNull().default(""),
    userId: text("user_id"),
    sessionId: text("session_id"),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    cachedInputTokens: integer("cached_input_tokens").notNull().default(0),
    cacheWriteTokens: integer("cache_write_tokens").notNull().default(0),
    reasoningTokens: integer("reasoning_tokens").notNull().default(0),
    // NULL only when cost_source = 'unpriced': an unknown model is never a silent $0.
    costUsd: numeric("cost_usd", { precision: 24, scale: 12 }),
    costSource: text("cost_source", { enum: ["reported", "computed", "unpriced"] }).notNull(),
    latencyMs: integer("latency_ms"),
    // Same log-scale bucket as latency_hourly (src/lib/latency.ts), so raw and rollup p95 agree.
    latencyBucket: smallint("latency_bucket"),
    status: text("status", { enum: ["success", "error"] }).notNull().default("success"),
    errorMessage: text("error_message"),
    promptHash: bytea("prompt_hash"),
    // How the provider processed the call (src/lib/service-tier.ts); priced by that tier's rates.
    serviceTier: text("service_tier", { enum: ["standard", "batch", "flex", "priority"] }).notNull().default("standard"),
    metadata: jsonb("metadata"),
    // The inserting transaction (src/server/rollups/fold.ts): which events the rollups already
    // hold is decided by snapshot visibility of this id. NULL on rows older than the fold, all
    // of which were counted in the rollups when they were inserted.
    xid: xid8("xid").default(sql`pg_current_xact_id()`),
    // Distinct NFC tags (≤ 20, sorted); NULL when the call has none.
    tags: text("tags").array(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.eventId] }),
    // Plain DESC (= NULLS FIRST) so `ORDER BY ts DESC, id DESC` is read straight off the index.
    index("cost_events_keyset_idx").on(t.projectId, t.ts.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("cost_events_feature_idx").on(t.projectId, t.feature, t.ts.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("cost_events_model_idx").on(t.projectId, t.model, t.ts.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("cost_events_provider_idx").on(t.projectId, t.provider, t.ts.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // The fold and the read path's unfolded tail find new events by xid (src/server/rollups/).
    index("cost_events_xid_idx").on(t.xid),
    // A user's drill-down (events, sessions, costliest feature) reads a range, not the window.
    // Partial: events without a user do not pay for it at ingestion. INCLUDE (feature, model,
    // cost_usd, xid) in the database (drizzle/0029; the index builder has no INCLUDE): a user's
    // costliest feature and model are read index-only.
    index("cost_events_user_idx")
      .on(t.projectId, t.userId, t.ts.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`${t.userId} IS NOT NULL`),
    check(
      "cost_events_cost_source_ck",
      sql`(${t.costSource} = 'unpriced') = (${t.costUsd} IS NULL)`,
    ),
    check("cost_events_service_tier_ck", sql`${t.serviceTier} IN ('standard', 'batch', 'flex', 'priority')`),
    check(
      "cost_events_tokens_ck",
      sql`${t.inputTokens} >= 0 AND ${t.outputTokens} >= 0 AND ${t.cachedInputTokens} >= 0 AND ${t.cacheWriteTokens} >= 0 AND ${t.reasoningTokens} >= 0 AND ${t.cachedInputTokens} + ${t.cacheWriteTokens} <= ${t.inputTokens}`,
    ),
  ],
);
