import "server-only";
import { randomBytes } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { notificationChannels } from "~/server/db/schema";
import { int8, queryRow, queryRows } from "~/server/db/query";
import { badRequest, notFound } from "~/server/errors";
import { channelInputSchema, type ChannelInput } from "../../schemas";
import { literalRefusal } from "./target";

export type Channel = { id: string; kind: string; name: string; target: string; emailFrom: string | null; emailTo: string[] | null; enabled: boolean; createdAt: Date };

/** Credentials never leave the server: an SMTP password shows as ***. */
function shownTarget(kind: string, target: string): string {
  if (kind !== "email") return target;
  try {
    const u = new URL(target);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "";
  }
}

export async function listChannels(db: Db, projectId: string): Promise<Channel[]> {
  const rows = await db.select().from(notificationChannels).where(eq(notificationChannels.projectId, projectId)).orderBy(asc(notificationChannels.createdAt));
  return rows.map((r) => ({ id: r.id, kind: r.kind, name: r.name, target: shownTarget(r.kind, r.target), emailFrom: r.emailFrom, emailTo: r.emailTo, enabled: r.enabled, createdAt: r.createdAt }));
}

/** A new channel; a webhook's signing secret is in the answer this once. */
export async function createChannel(db: Db, projectId: string, raw: ChannelInput, allowPrivate: boolean): Promise<Channel & { secret: string | null }> {
  const input = channelInputSchema.parse(raw);
  const target = input.kind === "email" ? input.smtpUrl : input.url;
  const refused = literalRefusal(new URL(target), allowPrivate);
  if (refused) throw badRequest(refused, [{ path: input.kind === "email" ? "smtpUrl" : "url", message: refused }]);
  const secret = input.kind === "webhook" ? `whsec_${randomBytes(24).toString("base64url")}` : null;
  const [row] = await db
    .insert(notificationChannels)
    .values({
      projectId,
      kind: input.kind,
      name: input.name,
      target,
      secret,
      emailFrom: input.kind === "email" ? input.from : null,
      emailTo: input.kind === "email" ? input.to : null,
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return { id: row.id, kind: row.kind, name: row.name, target: shownTarget(row.kind, row.target), emailFrom: row.emailFrom, emailTo: row.emailTo, enabled: row.enabled, createdAt: row.createdAt, secret };
}

export async function deleteChannel(db: Db, projectId: string, id: string): Promise<{ id: string }> {
  const rows = await db.delete(notificationChannels).where(and(eq(notificationChannels.projectId, projectId), eq(notificationChannels.id, id))).returning({ id: notificationChannels.id });
  if (rows.length === 0) throw notFound("no such channel in this project", "id");
  return { id };
}

const iso = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

const deliveryRow = z.object({
  id: int8,
  channel_id: z.string(),
  channel_name: z.string(),
  kind: z.string(),
  status: z.string(),
  attempts: z.number(),
  last_status_code: z.number().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: z.string(),
  delivered_at: z.string().nullable(),
  log: z.array(z.object({ attempt: z.number(), statusCode: z.number().nullable(), error: z.string().nullable(), durationMs: z.number(), at: z.string() })),
});

/** An alert's deliveries (a budget alert's, or with kind "anomaly" an anomaly alert's), each with its attempt log (status codes and errors). */
export async function listDeliveries(db: Db, projectId: string, alertId: string, kind: "budget" | "anomaly" = "budget") {
  const of = kind === "anomaly" ? sql`d.anomaly_id` : sql`d.alert_id`;
  const rows = await queryRows(
    db,
    deliveryRow,
    sql`SELECT d.id, d.channel_id, ch.name AS channel_name, ch.kind, d.status, d.attempts, d.last_status_code, d.last_error,
        ${iso("d.next_attempt_at")} AS next_attempt_at, ${iso("d.delivered_at")} AS delivered_at,
        coalesce((SELECT jsonb_agg(jsonb_build_object('attempt', l.attempt, 'statusCode', l.status_code, 'error', l.error,
            'durationMs', l.duration_ms, 'at', ${iso("l.at")}) ORDER BY l.id)
          FROM alert_delivery_attempts l WHERE l.delivery_id = d.id), '[]'::jsonb) AS log
      FROM alert_deliveries d JOIN notification_channels ch ON ch.id = d.channel_id
      WHERE d.project_id = ${projectId} AND ${of} = ${alertId}::bigint ORDER BY d.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    channelId: r.channel_id,
    channelName: r.channel_name,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at,
    deliveredAt: r.delivered_at,
    log: r.log,
  }));
}

/** Sends a delivery again now (delivered or given up), with a fresh 24 h of retries. */
export async function redeliver(db: Db, projectId: string, id: string): Promise<{ id: string }> {
  const row = await queryRow(
    db,
    z.object({ id: int8 }),
    sql`UPDATE alert_deliveries SET status = 'pending', next_attempt_at = now(), give_up_at = now() + interval '24 hours', delivered_at = NULL
      WHERE project_id = ${projectId} AND id = ${id}::bigint RETURNING id`,
  );
  if (!row) throw notFound("no such delivery in this project", "id");
  return { id: row.id };
}
