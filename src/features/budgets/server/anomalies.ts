import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { attributionParts, groupSources } from "~/features/analytics/server";
import { detectSpike, type SpikeOptions } from "~/lib/anomaly";
import type { Db } from "~/server/db";
import { int8, queryRow, queryRows, ZERO_USD } from "~/server/db/query";
import { retryTransient } from "~/server/db/retry";
import { leaseHeldRow } from "./lease";

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
const WEEKS = 4;

type Dim = "feature" | "model";
const costRow = z.object({ w: z.number(), key: z.string(), cost: z.string() });

/** Spend per key of `dim` in the hour starting at `hour` and the same hour of the past WEEKS weeks (w = 0 … WEEKS). */
async function hourlySpend(db: Db, projectId: string, dim: Dim, hour: Date) {
  const parts = Array.from({ length: WEEKS + 1 }, (_, w) => {
    const from = new Date(hour.getTime() - w * WEEK_MS);
    return sql`SELECT ${w}::int AS w, key, coalesce(sum(cost), ${ZERO_USD})::text AS cost
      FROM (${attributionParts(projectId, { from, to: new Date(from.getTime() + HOUR_MS) }, groupSources[dim])}) p GROUP BY key`;
  });
  return queryRows(db, costRow, sql.join(parts, sql` UNION ALL `));
}

const driverRow = z.object({ model: z.string().nullable(), user_id: z.string().nullable(), prompt_id: int8.nullable() });

/** The model, user and prompt that spent most in that hour for that feature or model. */
async function drivers(db: Db, projectId: string, dim: Dim, key: string, hour: Date) {
  const from = hour.toISOString();
  const to = new Date(hour.getTime() + HOUR_MS).toISOString();
  const scope = sql`e.project_id = ${projectId} AND e.ts >= ${from}::timestamptz AND e.ts < ${to}::timestamptz AND ${
    dim === "feature" ? sql`coalesce(e.feature, '') = ${key}` : sql`e.model = ${key}`
  }`;
  const top = (col: string) => sql.raw(`(SELECT e.${col} FROM cost_events e WHERE `);
  const tail = (col: string) => sql.raw(` AND e.${col} IS NOT NULL GROUP BY e.${col} ORDER BY sum(e.cost_usd) DESC NULLS LAST LIMIT 1)`);
  return queryRow(
    db,
    driverRow,
    sql`SELECT ${top("model")}${scope}${tail("model")} AS model, ${top("user_id")}${scope}${tail("user_id")} AS user_id,
      (SELECT p.id FROM prompts p WHERE p.project_id = ${projectId} AND p.hash = ${top("prompt_hash")}${scope}${tail("prompt_hash")}) AS prompt_id`,
  );
}

const insertedRow = z.object({ id: int8 });

/** The lease an evaluator's writes are fenced with (lease.ts); tests may leave it out. */
export type AnomalyFence = { holder: string; token: bigint; lease?: string };

/**
 * Inserts one anomaly alert (ON CONFLICT DO NOTHING: once per project, kind, dimension, key and
 * hour) and, in the same statement, one delivery per enabled channel of the project unless that
 * feature or model is muted: a new alert is never stored without its deliveries, and a repeat
 * (another instance, a restart, the next tick) inserts neither. With a fence the insert happens
 * only while the evaluator still holds the lease. Returns whether the alert is new.
 */
async function insertAnomaly(
  db: Db,
  a: { projectId: string; kind: "spike" | "unpriced_model"; dim: Dim; key: string; hour: string; costUsd: string; baselineUsd: string | null; drivers: Record<string, unknown> },
  fence: AnomalyFence | undefined,
): Promise<boolean> {
  // Read first, not correlated inside the insert (a Citus cluster refuses correlated subqueries
  // next to a CTE): a mute set in between lets this one alert through, as if it came a moment earlier.
  const muted = await queryRow(db, z.object({ one: z.number() }), sql`SELECT 1 AS one FROM anomaly_mutes
    WHERE project_id = ${a.projectId} AND dim = ${a.dim} AND key = ${a.key} AND muted_until > now()`);
  const row = await retryTransient(() => queryRow(
    db,
    insertedRow,
    sql`WITH held AS (${fence ? leaseHeldRow(fence.holder, fence.token, fence.lease) : sql`SELECT 1 AS held`}),
      ins AS (
        INSERT INTO anomaly_alerts (project_id, kind, dim, key, hour, cost_usd, baseline_usd, drivers)
        SELECT ${a.projectId}::uuid, ${a.kind}, ${a.dim}, ${a.key}, ${a.hour}::timestamptz, ${a.costUsd}::numeric, ${a.baselineUsd}::numeric, ${JSON.stringify(a.drivers)}::jsonb
        FROM held
        ON CONFLICT ON CONSTRAINT anomaly_alerts_once_uq DO NOTHING
        RETURNING id, project_id, dim, key
      ),
      deliveries AS (
        INSERT INTO alert_deliveries (project_id, anomaly_id, channel_id)
        SELECT ins.project_id, ins.id, ch.id FROM ins JOIN notification_channels ch ON ch.project_id = ins.project_id AND ch.enabled
        -- a muted feature's or model's anomalies are recorded, not sent
        WHERE ${muted ? sql`false` : sql`true`}
        ORDER BY ch.id
        ON CONFLICT ON CONSTRAINT alert_deliveries_anomaly_once_uq DO NOTHING
      )
      SELECT id FROM ins`,
  ));
  return row !== null;
}

/**
 * Spikes in the hour starting at `hour` (a complete hour) for every feature and model of the
 * project, each against its own baseline (lib/anomaly.ts); and models called without a price in
 * the last two hours, once per model. Inserted once (UNIQUE) with their deliveries; returns how
 * many were new.
 */
export async function detectAnomalies(db: Db, projectId: string, hour: Date, o: SpikeOptions & { fence?: AnomalyFence } = {}): Promise<number> {
  let raised = 0;
  for (const dim of ["feature", "model"] as const) {
    const rows = await hourlySpend(db, projectId, dim, hour);
    const byKey = new Map<string, { current: string; history: number[] }>();
    for (const r of rows) {
      const e = byKey.get(r.key) ?? { current: "0", history: Array.from({ length: WEEKS }, () => 0) };
      if (r.w === 0) e.current = r.cost;
      else e.history[r.w - 1] = Number(r.cost);
      byKey.set(r.key, e);
    }
    for (const [key, e] of byKey) {
      const v = detectSpike(Number(e.current), e.history, o);
      if (!v.spike) continue;
      const d = await drivers(db, projectId, dim, key, hour);
      const drv = { model: d?.model ?? null, userId: d?.user_id ?? null, promptId: d?.prompt_id ?? null, ratio: Number.isFinite(v.ratio) ? Math.round(v.ratio * 10) / 10 : null };
      const isNew = await insertAnomaly(
        db,
        { projectId, kind: "spike", dim, key, hour: hour.toISOString(), costUsd: e.current, baselineUsd: v.median.toFixed(12), drivers: drv },
        o.fence,
      );
      if (isNew) raised += 1;
    }
  }
  const since = new Date(hour.getTime() - HOUR_MS);
  const unpriced = await queryRows(
    db,
    z.object({ key: z.string(), calls: int8 }),
    sql`SELECT key, sum(unpriced)::text AS calls FROM (${attributionParts(projectId, { from: since, to: new Date(hour.getTime() + 2 * HOUR_MS) }, groupSources.model)}) p
      GROUP BY key HAVING sum(unpriced) > 0`,
  );
  for (const u of unpriced) {
    const isNew = await insertAnomaly(
      db,
      { projectId, kind: "unpriced_model", dim: "model", key: u.key, hour: "epoch", costUsd: "0", baselineUsd: null, drivers: { calls: Number(u.calls) } },
      o.fence,
    );
    if (isNew) raised += 1;
  }
  return raised;
}

/** Every project's anomalies for the last complete hour (the evaluator runs this every few minutes). */
export async function detectAllAnomalies(db: Db, now: Date, projectIds?: string[], fence?: AnomalyFence): Promise<number> {
  const hour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS);
  const ids = projectIds ?? (await queryRows(db, z.object({ id: z.string() }), sql`SELECT id FROM projects ORDER BY id`)).map((r) => r.id);
  let n = 0;
  for (const id of ids) n += await detectAnomalies(db, id, hour, fence ? { fence } : {});
  return n;
}

const anomalyRow = z.object({
  id: int8,
  kind: z.string(),
  dim: z.enum(["feature", "model"]),
  key: z.string(),
  hour: z.string(),
  cost_usd: z.string(),
  baseline_usd: z.string().nullable(),
  drivers: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  acknowledged_at: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
  muted_until: z.string().nullable(),
});

const iso = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

export async function listAnomalies(db: Db, projectId: string, limit: number) {
  const rows = await queryRows(
    db,
    anomalyRow,
    sql`SELECT a.id, a.kind, a.dim, a.key, ${iso("a.hour")} AS hour, a.cost_usd::text AS cost_usd, a.baseline_usd::text AS baseline_usd, a.drivers,
        ${iso("a.created_at")} AS created_at, ${iso("a.acknowledged_at")} AS acknowledged_at, a.acknowledged_by, ${iso("m.muted_until")} AS muted_until
      FROM anomaly_alerts a LEFT JOIN anomaly_mutes m ON m.project_id = a.project_id AND m.dim = a.dim AND m.key = a.key AND m.muted_until > now()
      WHERE a.project_id = ${projectId} ORDER BY a.id DESC LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    dim: r.dim,
    key: r.key,
    hour: r.kind === "unpriced_model" ? null : r.hour,
    costUsd: r.cost_usd,
    baselineUsd: r.baseline_usd,
    drivers: r.drivers,
    createdAt: r.created_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    /** Anomalies of this feature or model are not sent until then (null: not muted). */
    mutedUntil: r.muted_until,
  }));
}

/**
 * Mutes the anomaly alerts of one feature or model for `hours` (0 unmutes): they are still
 * recorded and listed, not sent. Any key may be muted, also one that has not alerted yet.
 */
export async function muteAnomalies(db: Db, projectId: string, dim: Dim, key: string, hours: number): Promise<{ dim: Dim; key: string; mutedUntil: string | null }> {
  if (hours === 0) {
    await db.execute(sql`DELETE FROM anomaly_mutes WHERE project_id = ${projectId} AND dim = ${dim} AND key = ${key}`);
    return { dim, key, mutedUntil: null };
  }
  const row = await queryRow(
    db,
    z.object({ one: z.number() }),
    sql`INSERT INTO anomaly_mutes (project_id, dim, key, muted_until) VALUES (${projectId}, ${dim}, ${key}, now() + make_interval(hours => ${hours}))
      ON CONFLICT ON CONSTRAINT anomaly_mutes_pk DO UPDATE SET muted_until = excluded.muted_until
      RETURNING 1 AS one`,
  ).then(() =>
    // Read back rather than formatted in RETURNING (a Citus cluster allows no STABLE function there).
    queryRow(db, z.object({ muted_until: z.string() }), sql`SELECT ${iso("muted_until")} AS muted_until FROM anomaly_mutes
      WHERE project_id = ${projectId} AND dim = ${dim} AND key = ${key}`),
  );
  return { dim, key, mutedUntil: row?.muted_until ?? null };
}
