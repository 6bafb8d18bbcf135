import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { int8, queryRow, queryRows } from "~/server/db/query";
import { retryTransient } from "~/server/db/retry";
import { sendMail } from "./email";
import { postOnce, type PostResult } from "./http-post";
import { alertSubject, alertText, sign, slackBody, SIGNATURE_HEADER, TIMESTAMP_HEADER, type AlertPayload } from "./message";

/*
 * Delivery of alerts to channels: every instance may send; a delivery is claimed (attempts + 1,
 * next_attempt_at pushed past the send's time) with SKIP LOCKED, so two instances never send the
 * same attempt, and one that died mid-send leaves it to be claimed again once the claim lapses.
 * The result is recorded only while attempts still equals the claim's (fencing). Failures retry
 * with exponential backoff until give_up_at (24 h after the alert, or after a manual redelivery).
 * Receivers get at-least-once delivery: the alert id in the body (and X-ACP-Alert) lets them
 * drop a repeat.
 */

export type DeliverOptions = {
  allowPrivate: boolean;
  limit?: number;
  /** First retry delay; doubles per attempt (capped at an hour). Default 30 s. */
  baseDelayMs?: number;
  /** How long a claim holds before another sender may retry it. Default 60 s. */
  claimMs?: number;
  /** Tests: only these projects' deliveries. */
  projectIds?: string[];
};

const claimedRow = z.object({
  id: int8,
  attempts: z.number(),
  kind: z.enum(["webhook", "slack", "email"]),
  target: z.string(),
  secret: z.string().nullable(),
  email_from: z.string().nullable(),
  email_to: z.array(z.string()).nullable(),
  project_id: z.string(),
  raised_at: z.string(),
  // a budget alert's delivery…
  alert_id: int8.nullable(),
  budget_id: z.string().nullable(),
  budget_name: z.string().nullable(),
  period: z.string().nullable(),
  scope: z.string().nullable(),
  scope_value: z.string().nullable(),
  threshold: z.number().nullable(),
  subject: z.string().nullable(),
  spent_usd: z.string().nullable(),
  limit_usd: z.string().nullable(),
  period_start: z.string().nullable(),
  period_end: z.string().nullable(),
  // …or an anomaly alert's
  anomaly_id: int8.nullable(),
  anomaly_kind: z.enum(["spike", "unpriced_model"]).nullable(),
  dim: z.string().nullable(),
  key: z.string().nullable(),
  hour: z.string().nullable(),
  cost_usd: z.string().nullable(),
  baseline_usd: z.string().nullable(),
  drivers: z.record(z.string(), z.unknown()).nullable(),
});
type Claimed = z.output<typeof claimedRow>;

const iso = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

async function claim(db: Db, o: DeliverOptions): Promise<Claimed[]> {
  const only = o.projectIds === undefined ? sql`` : sql` AND project_id = ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(o.projectIds)}::jsonb)::uuid))`;
  // Two statements: the claim, then what to send (a claim whose sender dies before sending lapses
  // like any other). `= ANY(ARRAY(…))`, not `IN (SELECT …)`: a Citus cluster misreads the
  // latter's intermediate result inside the claim ("invalid input syntax … PGCOPY").
  const ids = await retryTransient(() => queryRows(
    db,
    z.object({ id: z.string() }),
    sql`WITH due AS (
        SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= now()${only}
        ORDER BY next_attempt_at, id LIMIT ${o.limit ?? 20} FOR UPDATE SKIP LOCKED
      )
      UPDATE alert_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ${(o.claimMs ?? 60_000) / 1000})
      FROM due WHERE d.id = due.id RETURNING d.id::text AS id`,
  ));
  if (ids.length === 0) return [];
  return queryRows(
    db,
    claimedRow,
    sql`SELECT c.id, c.attempts, ch.kind, ch.target, ch.secret, ch.email_from, ch.email_to, c.project_id,
        ${iso("coalesce(a.created_at, n.created_at)")} AS raised_at,
        c.alert_id, a.budget_id, b.name AS budget_name, b.period, b.scope, b.scope_value, a.threshold, a.subject,
        a.spent_usd::text AS spent_usd, a.limit_usd::text AS limit_usd, ${iso("a.period_start")} AS period_start,
        ${iso("a.period_end")} AS period_end,
        c.anomaly_id, n.kind AS anomaly_kind, n.dim, n.key, ${iso("n.hour")} AS hour, n.cost_usd::text AS cost_usd,
        n.baseline_usd::text AS baseline_usd, n.drivers
      FROM alert_deliveries c JOIN notification_channels ch ON ch.id = c.channel_id
      LEFT JOIN budget_alerts a ON a.id = c.alert_id LEFT JOIN budgets b ON b.id = a.budget_id
      LEFT JOIN anomaly_alerts n ON n.id = c.anomaly_id
      WHERE c.id IN (${sql.join(ids.map((r) => sql`${r.id}::bigint`), sql`, `)})
      ORDER BY c.id`,
  );
}

const HOUR_MS = 3_600_000;
const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null);

function payloadOf(c: Claimed): AlertPayload {
  if (c.anomaly_id !== null) {
    const d = c.drivers ?? {};
    if (c.anomaly_kind === "unpriced_model") {
      return { type: "anomaly.unpriced_model", alertId: c.anomaly_id, deliveryId: c.id, projectId: c.project_id, dimension: "model", key: c.key ?? "", calls: Number(d.calls ?? 0), raisedAt: c.raised_at };
    }
    const hour = c.hour ?? c.raised_at;
    return {
      type: "anomaly.spike",
      alertId: c.anomaly_id,
      deliveryId: c.id,
      projectId: c.project_id,
      dimension: c.dim === "model" ? "model" : "feature",
      key: c.key ?? "",
      hour,
      hourEnd: new Date(Date.parse(hour) + HOUR_MS).toISOString(),
      spentUsd: c.cost_usd ?? "0",
      usualUsd: c.baseline_usd ?? "0",
      ratio: typeof d.ratio === "number" ? d.ratio : null,
      top: { model: str(d.model), userId: str(d.userId), promptId: str(d.promptId) },
      raisedAt: c.raised_at,
    };
  }
  return {
    type: "budget.threshold",
    alertId: c.alert_id ?? "",
    deliveryId: c.id,
    projectId: c.project_id,
    budget: { id: c.budget_id ?? "", name: c.budget_name ?? "", period: c.period ?? "", scope: c.scope ?? "", scopeValue: c.scope_value ? c.scope_value : null },
    threshold: c.threshold ?? 0,
    subject: c.subject ? c.subject : null,
    spentUsd: c.spent_usd ?? "0",
    limitUsd: c.limit_usd ?? "0",
    periodStart: c.period_start ?? "",
    periodEnd: c.period_end ?? "",
    raisedAt: c.raised_at,
  };
}

/** Sends one attempt of a claimed delivery. */
export async function sendOne(c: Claimed, allowPrivate: boolean): Promise<PostResult> {
  const payload = payloadOf(c);
  if (c.kind === "email") {
    return sendMail(c.target, { from: c.email_from ?? "", to: c.email_to ?? [], subject: alertSubject(payload), text: alertText(payload) }, allowPrivate);
  }
  const body = c.kind === "slack" ? slackBody(payload) : JSON.stringify(payload);
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "ai-cost-profiler-alerts/1" };
  if (c.kind === "webhook") {
    const t = Math.floor(Date.now() / 1000);
    headers[TIMESTAMP_HEADER] = String(t);
    headers[SIGNATURE_HEADER] = sign(c.secret ?? "", t, body);
    // budget and anomaly alerts are numbered apart: an anomaly's is prefixed, so the header alone identifies a repeat
    headers["x-acp-alert"] = payload.type === "budget.threshold" ? payload.alertId : `anomaly-${payload.alertId}`;
    headers["x-acp-delivery"] = c.id;
  }
  return postOnce(c.target, body, headers, allowPrivate);
}

/** The wait before attempt n + 1: base × 2^(n−1), capped at an hour, with up to 20 % jitter. */
export function backoffMs(attempts: number, baseMs: number): number {
  const raw = Math.min(3_600_000, baseMs * 2 ** Math.min(Math.max(0, attempts - 1), 20));
  return Math.round(raw * (0.8 + Math.random() * 0.2));
}

async function record(db: Db, c: Claimed, r: PostResult, ms: number, baseDelayMs: number): Promise<void> {
  const wait = backoffMs(c.attempts, baseDelayMs) / 1000;
  // The database's clock (now, and the next attempt's time) as typed parameters: a Citus cluster
  // refuses now() and timestamp arithmetic inside the CASEs of an UPDATE of a reference table.
  const clock = await queryRow(
    db,
    z.object({ now: z.string(), next: z.string() }),
    sql`SELECT now()::text AS now, (now() + make_interval(secs => ${wait}))::text AS next`,
  );
  const now = sql`${clock?.now ?? new Date().toISOString()}::timestamptz`;
  const next = sql`${clock?.next ?? new Date(Date.now() + wait * 1000).toISOString()}::timestamptz`;
  await retryTransient(() => db.execute(sql`WITH log AS (
      INSERT INTO alert_delivery_attempts (delivery_id, attempt, status_code, error, duration_ms)
      VALUES (${c.id}::bigint, ${c.attempts}, ${r.statusCode}, ${r.error}, ${Math.round(ms)})
    )
    UPDATE alert_deliveries SET last_status_code = ${r.statusCode}, last_error = ${r.error},
      status = CASE WHEN ${r.error === null}::boolean THEN 'delivered'
                    WHEN ${next} > give_up_at THEN 'failed' ELSE 'pending' END,
      delivered_at = CASE WHEN ${r.error === null}::boolean THEN ${now} ELSE NULL END,
      next_attempt_at = ${next}
    WHERE id = ${c.id}::bigint AND attempts = ${c.attempts} AND status = 'pending'`));
}

/** Claims due deliveries, sends them (in parallel) and records each result; returns how many were tried. */
export async function deliverDue(db: Db, o: DeliverOptions): Promise<{ tried: number; delivered: number }> {
  const claimed = await claim(db, o);
  const sent = await Promise.all(
    claimed.map(async (c) => {
      const started = performance.now();
      const r = await sendOne(c, o.allowPrivate);
      return { c, r, ms: performance.now() - started };
    }),
  );
  // Recorded one after another, in delivery order: concurrent writes to these tables (reference
  // tables on a Citus cluster) could deadlock.
  for (const { c, r, ms } of sent) await record(db, c, r, ms, o.baseDelayMs ?? 30_000);
  return { tried: claimed.length, delivered: sent.filter((s) => s.r.error === null).length };
}
