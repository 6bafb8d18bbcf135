import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "~/server/db";
import { int8, queryRows } from "~/server/db/query";
import type { BudgetPeriod, BudgetScope } from "../schemas";
import { scopeOf } from "./budgets";

/** A budget with the bounds of its period containing `now`, in its project's time zone. */
export type BudgetInPeriod = {
  id: string;
  projectId: string;
  name: string;
  scope: BudgetScope;
  amountUsd: string;
  period: BudgetPeriod;
  thresholds: number[];
  start: Date;
  end: Date;
};

const row = z.object({
  id: z.string(),
  project_id: z.string(),
  name: z.string(),
  scope: z.string(),
  scope_value: z.string(),
  scope_key: z.string(),
  amount_usd: z.string(),
  period: z.enum(["day", "week", "month"]),
  thresholds: z.array(z.number()),
  start_ms: int8,
  end_ms: int8,
});

/**
 * Budgets (those `where` selects, alias b) with their current period. PostgreSQL does the calendar:
 * date_trunc in the project's zone gives local midnight (Monday for weeks) across DST changes, and
 * the end is one period later in local time.
 */
export async function budgetsInPeriod(db: DbOrTx, now: Date, where: SQL): Promise<BudgetInPeriod[]> {
  const at = now.toISOString();
  const rows = await queryRows(
    db,
    row,
    sql`WITH b AS (
      SELECT b.*, date_trunc(b.period, ${at}::timestamptz, p.time_zone) AS ps, p.time_zone AS tz
      FROM budgets b JOIN projects p ON p.id = b.project_id WHERE ${where})
    SELECT b.id, b.project_id, b.name, b.scope, b.scope_value, b.scope_key, b.amount_usd::text AS amount_usd, b.period, b.thresholds,
      (extract(epoch FROM b.ps) * 1000)::bigint AS start_ms,
      (extract(epoch FROM ((b.ps AT TIME ZONE b.tz) + ('1 ' || b.period)::interval) AT TIME ZONE b.tz) * 1000)::bigint AS end_ms
    FROM b ORDER BY b.project_id, b.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    scope: scopeOf(r.scope, r.scope_value, r.scope_key),
    amountUsd: r.amount_usd,
    period: r.period,
    thresholds: r.thresholds,
    start: new Date(Number(r.start_ms)),
    end: new Date(Number(r.end_ms)),
  }));
}
