import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { crossedThresholds } from "~/lib/budget-math";
import { parseUsdToPicos } from "~/lib/money";
import type { Db } from "~/server/db";
import { int8, queryRows } from "~/server/db/query";
import { retryTransient } from "~/server/db/retry";
import { acquireLease, leaseHeldRow } from "./lease";
import { measure } from "./measure";
import { budgetsInPeriod } from "./periods";
import { clearSpendCache } from "./spend-cache";

// The fencing token this process last evaluated under: a new one (the lease changed hands, maybe
// after another instance cached nothing of what happened meanwhile) starts from the database.
let lastFence: string | null = null;

// Alerts already stored for the current periods, per fence: a tick sends only crossings not among
// them (thousands of users stay above a threshold all month; re-sending them every tick to meet
// ON CONFLICT DO NOTHING cost ~100 ms at 6,000). Loaded from budget_alerts when a fence is first
// seen, then grown by what the inserts return; a crossing whose insert did not happen (lease lost)
// is not added, so it is sent again. The UNIQUE constraint stays the guarantee.
const alertedByFence = new Map<string, Set<string>>();
const MAX_ALERTED = 1_000_000;
const alertKey = (budgetId: string, periodStart: string, threshold: number, subject: string) => `${budgetId}|${periodStart}|${threshold}|${subject}`;
const alertedRow = z.object({ budget_id: z.string(), period_start: z.string(), threshold: z.number(), subject: z.string() });

async function alertedFor(db: Db, fenceKey: string, now: Date, projectIds: string[] | undefined): Promise<Set<string>> {
  const known = alertedByFence.get(fenceKey);
  if (known && known.size < MAX_ALERTED) return known;
  const only = projectIds === undefined ? sql`true` : sql`project_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(projectIds)}::jsonb)::uuid)`;
  const rows = await queryRows(db, alertedRow, sql`SELECT budget_id, to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS period_start,
      threshold, subject FROM budget_alerts WHERE period_end > ${now.toISOString()}::timestamptz AND ${only}`);
  const set = new Set(rows.map((r) => alertKey(r.budget_id, r.period_start, r.threshold, r.subject)));
  if (alertedByFence.size >= 4) alertedByFence.clear();
  alertedByFence.set(fenceKey, set);
  return set;
}

export type RaisedAlert = {
  id: string;
  projectId: string;
  budgetId: string;
  threshold: number;
  subject: string;
  periodStart: string;
  spentUsd: string;
  limitUsd: string;
};

export type TickResult =
  | { ran: false }
  | { ran: true; fence: bigint; budgets: number; measured: number; raised: RaisedAlert[]; dbMs: number };

const raisedRow = z.object({
  id: int8,
  project_id: z.string(),
  budget_id: z.string(),
  threshold: z.number(),
  subject: z.string(),
  period_start: z.string(),
  spent_usd: z.string(),
  limit_usd: z.string(),
});

/**
 * One evaluation: takes (or renews) the lease, measures every budget's spend in its current period
 * and inserts an alert for each threshold reached. The UNIQUE (budget, period, threshold, subject)
 * with ON CONFLICT DO NOTHING makes each crossing one alert, however many ticks, instances,
 * restarts or repricings see it; the lease check in the INSERT keeps a deposed evaluator out.
 * Returns only the alerts this tick raised (for notification).
 */
export type EvaluateOptions = {
  holder: string;
  leaseMs: number;
  now?: Date;
  /** Tests: a lease of their own, and only their projects (files share one database). */
  lease?: string;
  projectIds?: string[];
};

export async function evaluateOnce(db: Db, o: EvaluateOptions): Promise<TickResult> {
  const started = performance.now();
  const fence = await acquireLease(db, o.holder, o.leaseMs, o.lease);
  if (fence === null) return { ran: false };
  const fenceKey = `${o.lease ?? ""}:${fence.toString()}`;
  if (fenceKey !== lastFence) {
    clearSpendCache();
    lastFence = fenceKey;
  }
  const only = o.projectIds;
  const where = only === undefined ? sql`true` : sql`b.project_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(only)}::jsonb)::uuid)`;
  const list = await budgetsInPeriod(db, o.now ?? new Date(), where);
  const measured = await measure(db, list, "crossing", o.now ?? new Date());
  const alerted = await alertedFor(db, fenceKey, o.now ?? new Date(), only);
  const candidates = measured.flatMap((m) => {
    const limit = parseUsdToPicos(m.budget.amountUsd);
    const periodStart = m.budget.start.toISOString();
    const crossed = crossedThresholds(parseUsdToPicos(m.spent), limit, m.budget.thresholds).filter((t) => !alerted.has(alertKey(m.budget.id, periodStart, t, m.subject)));
    return crossed.map((t) => ({
      project_id: m.budget.projectId,
      budget_id: m.budget.id,
      period_start: m.budget.start.toISOString(),
      period_end: m.budget.end.toISOString(),
      threshold: t,
      subject: m.subject,
      spent_usd: m.spent,
      limit_usd: m.budget.amountUsd,
    }));
  });
  let raised: RaisedAlert[] = [];
  if (candidates.length > 0) {
    const rows = await retryTransient(() => queryRows(
      db,
      raisedRow,
      sql`WITH held AS (${leaseHeldRow(o.holder, fence, o.lease)}),
      ins AS (
        INSERT INTO budget_alerts (project_id, budget_id, period_start, period_end, threshold, subject, spent_usd, limit_usd, fence)
        SELECT c.project_id, c.budget_id, c.period_start, c.period_end, c.threshold, c.subject, c.spent_usd, c.limit_usd, ${fence.toString()}::bigint
        FROM held, jsonb_to_recordset(${JSON.stringify(candidates)}::jsonb) AS c(project_id uuid, budget_id uuid, period_start timestamptz,
          period_end timestamptz, threshold int, subject text, spent_usd numeric, limit_usd numeric)
        -- a budget deleted since it was read is skipped, not a foreign-key error (joins, not
        -- EXISTS: a Citus cluster refuses those beside a set-returning function)
        JOIN budgets b ON b.id = c.budget_id
        ORDER BY c.budget_id, c.threshold, c.subject
        ON CONFLICT ON CONSTRAINT budget_alerts_once_uq DO NOTHING
        RETURNING id, project_id, budget_id, threshold, subject, period_start, spent_usd, limit_usd
      ),
      -- its deliveries in the same statement: an alert is never stored without them
      deliveries AS (
        INSERT INTO alert_deliveries (project_id, alert_id, channel_id)
        SELECT ins.project_id, ins.id, ch.id FROM ins JOIN notification_channels ch ON ch.project_id = ins.project_id AND ch.enabled
        -- a muted budget's alerts are recorded, not sent
        JOIN budgets mb ON mb.id = ins.budget_id AND (mb.muted_until IS NULL OR mb.muted_until <= now())
        ORDER BY ins.id, ch.id
        ON CONFLICT ON CONSTRAINT alert_deliveries_once_uq DO NOTHING
      )
      SELECT id, project_id, budget_id, threshold, subject,
        to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS period_start,
        spent_usd::text AS spent_usd, limit_usd::text AS limit_usd FROM ins`,
    ));
    for (const r of rows) alerted.add(alertKey(r.budget_id, r.period_start, r.threshold, r.subject));
    raised = rows.map((r) => ({
      id: r.id,
      projectId: r.project_id,
      budgetId: r.budget_id,
      threshold: r.threshold,
      subject: r.subject,
      periodStart: r.period_start,
      spentUsd: r.spent_usd,
      limitUsd: r.limit_usd,
    }));
  }
  return { ran: true, fence, budgets: list.length, measured: measured.length, raised, dbMs: performance.now() - started };
}
