import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { int8, queryRow, queryRows } from "~/server/db/query";
import { notFound } from "~/server/errors";

export type BudgetAlert = {
  id: string;
  budgetId: string;
  budgetName: string;
  threshold: number;
  subject: string | null;
  periodStart: string;
  periodEnd: string;
  spentUsd: string;
  limitUsd: string;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** The budget's notifications are muted until then (null: not muted). */
  budgetMutedUntil: string | null;
};

const iso = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

const alertRow = z.object({
  id: int8,
  budget_id: z.string(),
  budget_name: z.string(),
  threshold: z.number(),
  subject: z.string(),
  period_start: z.string(),
  period_end: z.string(),
  spent_usd: z.string(),
  limit_usd: z.string(),
  created_at: z.string(),
  acknowledged_at: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
  muted_until: z.string().nullable(),
});

/** The newest alerts first, `limit` per page; `before` is the previous page's last id. */
export async function listAlerts(db: Db, projectId: string, o: { before?: string; limit: number }) {
  const rows = await queryRows(
    db,
    alertRow,
    sql`SELECT a.id, a.budget_id, b.name AS budget_name, a.threshold, a.subject, ${iso("a.period_start")} AS period_start,
        ${iso("a.period_end")} AS period_end, a.spent_usd::text AS spent_usd, a.limit_usd::text AS limit_usd,
        ${iso("a.created_at")} AS created_at, ${iso("a.acknowledged_at")} AS acknowledged_at, a.acknowledged_by,
        CASE WHEN b.muted_until > now() THEN ${iso("b.muted_until")} END AS muted_until
      FROM budget_alerts a JOIN budgets b ON b.id = a.budget_id
      WHERE a.project_id = ${projectId}${o.before === undefined ? sql`` : sql` AND a.id < ${o.before}::bigint`}
      ORDER BY a.id DESC LIMIT ${o.limit + 1}`,
  );
  const items: BudgetAlert[] = rows.slice(0, o.limit).map((r) => ({
    id: r.id,
    budgetId: r.budget_id,
    budgetName: r.budget_name,
    threshold: r.threshold,
    subject: r.subject === "" ? null : r.subject,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    spentUsd: r.spent_usd,
    limitUsd: r.limit_usd,
    createdAt: r.created_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    budgetMutedUntil: r.muted_until,
  }));
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > o.limit && last ? last.id : null };
}

/** Budget and anomaly alerts nobody acknowledged yet (the navigation badge). */
export async function unacknowledgedCount(db: Db, projectId: string): Promise<number> {
  const row = await queryRow(
    db,
    z.object({ n: int8 }),
    sql`SELECT (SELECT count(*) FROM budget_alerts WHERE project_id = ${projectId} AND acknowledged_at IS NULL)
      + (SELECT count(*) FROM anomaly_alerts WHERE project_id = ${projectId} AND acknowledged_at IS NULL) AS n`,
  );
  return Number(row?.n ?? 0);
}

/** Acknowledges a budget alert or (kind "anomaly") an anomaly alert; the first acknowledgement stays. */
export async function acknowledgeAlert(db: Db, projectId: string, id: string, by: string, kind: "budget" | "anomaly" = "budget"): Promise<{ id: string }> {
  const table = sql.raw(kind === "anomaly" ? "anomaly_alerts" : "budget_alerts");
  // The database's clock read first, passed as a typed parameter: a Citus cluster refuses now()
  // beside a column in an UPDATE of a distributed table (anomaly_alerts is one).
  const clock = await queryRow(db, z.object({ now: z.string() }), sql`SELECT now()::text AS now`);
  const row = await queryRow(
    db,
    z.object({ id: int8 }),
    sql`UPDATE ${table} SET acknowledged_at = coalesce(acknowledged_at, ${clock?.now ?? new Date().toISOString()}::timestamptz),
        acknowledged_by = coalesce(acknowledged_by, ${by})
      WHERE project_id = ${projectId} AND id = ${id}::bigint RETURNING id`,
  );
  if (!row) throw notFound(kind === "anomaly" ? "no such anomaly alert in this project" : "no such alert in this project", "id");
  return { id: row.id };
}
