import "server-only";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "~/server/db";
import { budgets } from "~/server/db/schema";
import { notFound } from "~/server/errors";
import { budgetInputSchema, type BudgetInput, type BudgetPeriod, type BudgetScope, type BudgetScopeKind } from "../schemas";

export type Budget = {
  id: string;
  name: string;
  amountUsd: string;
  period: BudgetPeriod;
  scope: BudgetScope;
  thresholds: number[];
  /** Alerts are recorded but not sent until then. */
  mutedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

type BudgetRow = typeof budgets.$inferSelect;

/** The stored columns (scope, scope_value, scope_key) as the API's scope object. */
export function scopeOf(kind: string, value: string, key: string): BudgetScope {
  switch (kind as BudgetScopeKind) {
    case "project":
    case "each_user":
      return { kind: kind as "project" | "each_user" };
    case "metadata":
      return { kind: "metadata", key, value };
    default:
      return { kind: kind as "feature" | "model" | "provider" | "tag" | "user", value };
  }
}

function columnsOf(scope: BudgetScope) {
  return {
    scope: scope.kind,
    scopeValue: "value" in scope ? scope.value : "",
    scopeKey: scope.kind === "metadata" ? scope.key : "",
  };
}

export function toBudget(r: BudgetRow): Budget {
  return {
    id: r.id,
    name: r.name,
    amountUsd: r.amountUsd,
    period: r.period as BudgetPeriod,
    scope: scopeOf(r.scope, r.scopeValue, r.scopeKey),
    thresholds: r.thresholds,
    mutedUntil: r.mutedUntil,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export async function listBudgets(db: Db, projectId: string): Promise<Budget[]> {
  const rows = await db.select().from(budgets).where(eq(budgets.projectId, projectId)).orderBy(asc(budgets.name), asc(budgets.id));
  return rows.map(toBudget);
}

export async function getBudget(db: Db, projectId: string, id: string): Promise<Budget> {
  const [row] = await db.select().from(budgets).where(and(eq(budgets.projectId, projectId), eq(budgets.id, id)));
  if (!row) throw notFound("no such budget in this project", "id");
  return toBudget(row);
}

// Inputs are parsed here too (scripts and tests call these directly): amounts and thresholds normalised.
export async function createBudget(db: Db, projectId: string, raw: BudgetInput): Promise<Budget> {
  const input = budgetInputSchema.parse(raw);
  const [row] = await db
    .insert(budgets)
    .values({ projectId, name: input.name, amountUsd: input.amountUsd, period: input.period, thresholds: input.thresholds, ...columnsOf(input.scope) })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return toBudget(row);
}

export async function updateBudget(db: Db, projectId: string, id: string, raw: BudgetInput): Promise<Budget> {
  const input = budgetInputSchema.parse(raw);
  const [row] = await db
    .update(budgets)
    .set({ name: input.name, amountUsd: input.amountUsd, period: input.period, thresholds: input.thresholds, ...columnsOf(input.scope), updatedAt: sql`now()` })
    .where(and(eq(budgets.projectId, projectId), eq(budgets.id, id)))
    .returning();
  if (!row) throw notFound("no such budget in this project", "id");
  return toBudget(row);
}

export async function deleteBudget(db: Db, projectId: string, id: string): Promise<{ id: string }> {
  const rows = await db.delete(budgets).where(and(eq(budgets.projectId, projectId), eq(budgets.id, id))).returning({ id: budgets.id });
  if (rows.length === 0) throw notFound("no such budget in this project", "id");
  return { id };
}

/** Mutes a budget's notifications for `hours` (0 unmutes); its alerts are still recorded and listed. */
export async function muteBudget(db: Db, projectId: string, id: string, hours: number): Promise<Budget> {
  const [row] = await db
    .update(budgets)
    .set({ mutedUntil: hours === 0 ? null : sql`now() + make_interval(hours => ${hours})` })
    .where(and(eq(budgets.projectId, projectId), eq(budgets.id, id)))
    .returning();
  if (!row) throw notFound("no such budget in this project", "id");
  return toBudget(row);
}
