import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { budgetState, runRateForecast } from "~/lib/budget-math";
import { formatPicos, parseUsdToPicos } from "~/lib/money";
import type { Db } from "~/server/db";
import type { BudgetStatus, BudgetStatusQuery } from "../schemas";
import { measure, type Measured } from "./measure";
import { budgetsInPeriod } from "./periods";

/** Budgets a call with these attributes counts against (alias b). */
function matching(projectId: string, q: BudgetStatusQuery): SQL {
  const any: SQL[] = [sql`b.scope = 'project'`];
  const eq = (scope: string, v: string | undefined) => {
    if (v !== undefined) any.push(sql`(b.scope = ${scope} AND b.scope_value = ${v})`);
  };
  eq("feature", q.feature);
  eq("model", q.model);
  eq("provider", q.provider);
  eq("user", q.userId);
  if (q.userId !== undefined) any.push(sql`b.scope = 'each_user'`);
  for (const t of q.tags ?? []) eq("tag", t);
  return sql`b.project_id = ${projectId} AND (${sql.join(any, sql` OR `)})`;
}

export function toStatus(m: Measured, now: Date): BudgetStatus {
  const b = m.budget;
  const spent = parseUsdToPicos(m.spent);
  const limit = parseUsdToPicos(b.amountUsd);
  const remaining = limit > spent ? limit - spent : 0n;
  const f = runRateForecast(spent, limit, b.start.getTime(), b.end.getTime(), now.getTime());
  return {
    budgetId: b.id,
    name: b.name,
    scope: b.scope,
    period: b.period,
    subject: b.scope.kind === "each_user" ? m.subject : null,
    spent: formatPicos(spent),
    limit: formatPicos(limit),
    remaining: formatPicos(remaining),
    state: budgetState(spent, limit, b.thresholds),
    periodStart: b.start.toISOString(),
    periodEnd: b.end.toISOString(),
    forecast: { periodEndUsd: formatPicos(f.periodEnd), exceedsAt: f.exceedsAtMs === null ? null : new Date(f.exceedsAtMs).toISOString() },
  };
}

/** Every budget of the project a call with these attributes counts against, with its spend now. */
export async function budgetStatus(db: Db, projectId: string, q: BudgetStatusQuery, now = new Date()): Promise<BudgetStatus[]> {
  const list = await budgetsInPeriod(db, now, matching(projectId, q));
  const measured = await measure(db, list, { subjects: q.userId === undefined ? [] : [q.userId] }, now);
  return measured.map((m) => toStatus(m, now));
}

/** Every budget of the project with its spend now (each_user budgets: their top spenders). */
export async function budgetOverview(db: Db, projectId: string, now = new Date()): Promise<BudgetStatus[]> {
  const list = await budgetsInPeriod(db, now, sql`b.project_id = ${projectId}`);
  const measured = await measure(db, list, "crossing", now);
  // Budgets with no user over the threshold still show, with no subject.
  for (const b of list) {
    if (b.scope.kind === "each_user" && !measured.some((m) => m.budget.id === b.id)) measured.push({ budget: b, subject: "", spent: "0" });
  }
  return measured.map((m) => toStatus(m, now));
}
