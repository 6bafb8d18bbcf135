import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, jsonb, numeric, pgTable, primaryKey, text, unique, uuid } from "drizzle-orm/pg-core";
import { costSum, createdAt, projectRef, serialId, tstz, uuidId } from "./columns";

// Budgets (drizzle/0016_budgets.sql): an exact USD amount per period for one scope of a project.
export const budgets = pgTable(
  "budgets",
  {
    id: uuidId(),
    projectId: projectRef(),
    name: text("name").notNull(),
    scope: text("scope").notNull(),
    scopeValue: text("scope_value").notNull().default(""),
    scopeKey: text("scope_key").notNull().default(""),
    amountUsd: costSum("amount_usd"),
    period: text("period").notNull(),
    thresholds: integer("thresholds").array().notNull().default(sql`'{50,80,100}'`),
    mutedUntil: tstz("muted_until"),
    createdAt: createdAt(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [index("budgets_project_idx").on(t.projectId, t.scope, t.scopeValue)],
);

// One row per budget, period, threshold and subject (UNIQUE): the evaluator's exactly-once.
export const budgetAlerts = pgTable(
  "budget_alerts",
  {
    id: serialId(),
    projectId: projectRef(),
    budgetId: uuid("budget_id")
      .notNull()
      .references(() => budgets.id, { onDelete: "cascade" }),
    periodStart: tstz("period_start").notNull(),
    periodEnd: tstz("period_end").notNull(),
    threshold: integer("threshold").notNull(),
    subject: text("subject").notNull().default(""),
    spentUsd: costSum("spent_usd"),
    limitUsd: costSum("limit_usd"),
    fence: bigint("fence", { mode: "bigint" }).notNull(),
    createdAt: createdAt(),
    acknowledgedAt: tstz("acknowledged_at"),
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
  expiresAt: tstz("expires_at").notNull(),
});

// Notification channels and the delivery of alerts to them (src/features/budgets/server/notify/).
export const notificationChannels = pgTable(
  "notification_channels",
  {
    id: uuidId(),
    projectId: projectRef(),
    kind: text("kind").notNull(),
    name: text("name").notNull(),
    target: text("target").notNull(),
    emailFrom: text("email_from"),
    emailTo: text("email_to").array(),
    secret: text("secret"),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index("notification_channels_project_idx").on(t.projectId)],
);

export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: serialId(),
    projectId: projectRef(),
    // a budget alert's delivery, or (anomalyId) an anomaly alert's: exactly one is set (0020)
    alertId: bigint("alert_id", { mode: "bigint" }).references(() => budgetAlerts.id, { onDelete: "cascade" }),
    anomalyId: bigint("anomaly_id", { mode: "bigint" }).references(() => anomalyAlerts.id, { onDelete: "cascade" }),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => notificationChannels.id, { onDelete: "cascade" }),
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: tstz("next_attempt_at").notNull().defaultNow(),
    giveUpAt: tstz("give_up_at").notNull().default(sql`now() + interval '24 hours'`),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    deliveredAt: tstz("delivered_at"),
    createdAt: createdAt(),
  },
  (t) => [
    unique("alert_deliveries_once_uq").on(t.alertId, t.channelId),
    unique("alert_deliveries_anomaly_once_uq").on(t.anomalyId, t.channelId),
    index("alert_deliveries_alert_idx").on(t.alertId),
    check("alert_deliveries_one_alert_ck", sql`(${t.alertId} IS NULL) <> (${t.anomalyId} IS NULL)`),
  ],
);

export const alertDeliveryAttempts = pgTable(
  "alert_delivery_attempts",
  {
    id: serialId(),
    deliveryId: bigint("delivery_id", { mode: "bigint" })
      .notNull()
      .references(() => alertDeliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    at: tstz("at").notNull().defaultNow(),
  },
  (t) => [index("alert_delivery_attempts_delivery_idx").on(t.deliveryId, t.id)],
);

export const anomalyAlerts = pgTable(
  "anomaly_alerts",
  {
    id: serialId(),
    projectId: projectRef(),
    kind: text("kind").notNull(),
    dim: text("dim").notNull(),
    key: text("key").notNull(),
    hour: tstz("hour").notNull(),
    costUsd: costSum("cost_usd"),
    baselineUsd: numeric("baseline_usd", { precision: 30, scale: 12 }),
    drivers: jsonb("drivers").notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
    acknowledgedAt: tstz("acknowledged_at"),
    acknowledgedBy: text("acknowledged_by"), // drizzle/0021
  },
  (t) => [unique("anomaly_alerts_once_uq").on(t.projectId, t.kind, t.dim, t.key, t.hour), index("anomaly_alerts_project_idx").on(t.projectId, t.id.desc())],
);

// Anomaly alerts of one feature or model muted until then (drizzle/0020): recorded, not sent.
export const anomalyMutes = pgTable(
  "anomaly_mutes",
  {
    projectId: projectRef(),
    dim: text("dim").notNull(),
    key: text("key").notNull(),
    mutedUntil: tstz("muted_until").notNull(),
  },
  (t) => [primaryKey({ name: "anomaly_mutes_pk", columns: [t.projectId, t.dim, t.key] }), check("anomaly_mutes_dim_ck", sql`${t.dim} IN ('feature', 'model')`)],
);
