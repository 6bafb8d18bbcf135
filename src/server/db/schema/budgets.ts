import { sql } from "drizzle-orm";
import { bigint, bigserial, index, integer, numeric, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { projects } from "./projects";

// Budgets (drizzle/0016_budgets.sql): an exact USD amount per period for one scope of a project.
export const budgets = pgTable(
  "budgets",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    scope: text("scope").notNull(),
    scopeValue: text("scope_value").notNull().default(""),
    scopeKey: text("scope_key").notNull().default(""),
    amountUsd: numeric("amount_usd", { precision: 30, scale: 12 }).notNull(),
    period: text("period").notNull(),
    thresholds: integer("thresholds").array().notNull().default(sql`'{50,80,100}'`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("budgets_project_idx").on(t.projectId, t.scope, t.scopeValue)],
);

// One row per budget, period, threshold and subject (UNIQUE): the evaluator's exactly-once.
export const budgetAlerts = pgTable(
  "budget_alerts",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    budgetId: uuid("budget_id")
      .notNull()
      .references(() => budgets.id, { onDelete: "cascade" }),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    periodEnd: timestamp("period_end", { withTimezone: true }).notNull(),
    threshold: integer("threshold").notNull(),
    subject: text("subject").notNull().default(""),
    spentUsd: numeric("spent_usd", { precision: 30, scale: 12 }).notNull(),
    limitUsd: numeric("limit_usd", { precision: 30, scale: 12 }).notNull(),
    fence: bigint("fence", { mode: "bigint" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
    acknowledgedBy: text("acknowledged_by"),
  },
  (t) => [
    unique("budget_alerts_once_uq").on(t.budgetId, t.periodStart, t.threshold, t.subject),
    index("budget_alerts_project_idx").on(t.projectId, t.createdAt.desc(), t.id.desc()),
  ],
);

export const budgetEvaluatorLease = pgTable("budget_evaluator_lease", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  token: bigint("token", { mode: "bigint" }).notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});
