import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { Filters } from "../schemas";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type Range = { from: Date | null; to: Date | null };

export type WindowPlan = {
  /** Whole UTC days read from the daily rollups. */
  day: Range | null;
  /** Whole hours read from the hourly rollups (the partial days at the edges). */
  hour: Range[];
  /** Ranges read from raw cost_events: the partial hours at the edges (or everything). */
  raw: Range[];
  /**
   * Ranges of folded events to subtract: an edge hour read whole from the hourly rollups when
   * less of it lies outside the window than inside (planWindow's `subtract`).
   */
  minus: Range[];
};

/** Rollups have no user, session, tag, metadata or status dimension: those filters read raw events. */
export function rollupCanAnswer(f: Filters): boolean {
  return f.userId === undefined && f.status === undefined && f.sessionId === undefined && f.tag === undefined && f.metadata === undefined;
}

const ceilTo = (d: Date, step: number) => new Date(Math.ceil(d.getTime() / step) * step);
const floorTo = (d: Date, step: number) => new Date(Math.floor(d.getTime() / step) * step);
export const ceilToHour = (d: Date) => ceilTo(d, HOUR_MS);
export const floorToHour = (d: Date) => floorTo(d, HOUR_MS);

/**
 * Splits [from, to) into whole days (daily rollups), whole hours at the day edges (hourly
 * rollups) and partial hours at either end (raw events): every figure is exact for any window
 * while reading at most a few thousand rollup rows and two hours of raw rows.
 * `useDaily: false` when a grouping needs hourly resolution. `subtract` (sums and counts only,
 * never min/max): a partial edge hour whose larger part is inside the window is read whole from
 * the hourly rollup, minus its folded events outside the window (`minus`) — at most half an hour
 * of raw rows per edge instead of a whole hour. Groups can then sum to zero calls: drop them.
 */
export function planWindow(f: Filters, useDaily = true, subtract = false): WindowPlan {
  const from = f.from ?? null;
  const to = f.to ?? null;
  if (!rollupCanAnswer(f)) return { day: null, hour: [], raw: [{ from, to }], minus: [] };
  let fromH = from ? ceilTo(from, HOUR_MS) : null;
  let toH = to ? floorTo(to, HOUR_MS) : null;
  if (fromH && toH && fromH >= toH) return { day: null, hour: [], raw: [{ from, to }], minus: [] };
  const raw: Range[] = [];
  const minus: Range[] = [];
  if (from && fromH && from < fromH) {
    const start = floorTo(from, HOUR_MS);
    if (subtract && from.getTime() - start.getTime() < fromH.getTime() - from.getTime()) {
      minus.push({ from: start, to: from });
      fromH = start;
    } else raw.push({ from, to: fromH });
  }
  if (to && toH && toH < to) {
    const end = ceilTo(to, HOUR_MS);
    if (subtract && end.getTime() - to.getTime() < to.getTime() - toH.getTime()) {
      minus.push({ from: to, to: end });
      toH = end;
    } else raw.push({ from: toH, to });
  }
  const fromD = fromH ? ceilTo(fromH, DAY_MS) : null;
  const toD = toH ? floorTo(toH, DAY_MS) : null;
  if (!useDaily || (fromD && toD && fromD >= toD)) return { day: null, hour: [{ from: fromH, to: toH }], raw, minus };
  const hour: Range[] = [];
  if (fromH && fromD && fromH < fromD) hour.push({ from: fromH, to: fromD });
  if (toH && toD && toD < toH) hour.push({ from: toD, to: toH });
  return { day: { from: fromD, to: toD }, hour, raw, minus };
}

type Column = "feature" | "model" | "provider";

/** Conditions on cost_events (alias e) for a raw range and the non-time filters. */
export function rawConditions(projectId: string, f: Filters, range: Range): SQL {
  const parts: SQL[] = [sql`e.project_id = ${projectId}`];
  if (range.from) parts.push(sql`e.ts >= ${range.from.toISOString()}::timestamptz`);
  if (range.to) parts.push(sql`e.ts < ${range.to.toISOString()}::timestamptz`);
  for (const c of ["feature", "model", "provider"] as Column[]) {
    const v = f[c];
    if (v !== undefined) parts.push(sql`e.${sql.raw(c)} = ${v}`);
  }
  if (f.userId !== undefined) parts.push(sql`e.user_id = ${f.userId}`);
  if (f.status !== undefined) parts.push(sql`e.status = ${f.status}`);
  if (f.sessionId !== undefined) parts.push(sql`e.session_id = ${f.sessionId}`);
  if (f.tag !== undefined) parts.push(sql`e.tags @> ARRAY[${f.tag}]::text[]`);
  // ->> so a filter value matches the text a breakdown by metadata:<key> shows for the group.
  if (f.metadata !== undefined) parts.push(sql`e.metadata ->> ${f.metadata.key} = ${f.metadata.value}`);
  return sql.join(parts, sql` AND `);
}

/** Conditions on a rollup table (alias r, period column hour or day) and the non-time filters. */
export function rollupConditions(projectId: string, f: Filters, range: Range, period: "hour" | "day"): SQL {
  const parts: SQL[] = [sql`r.project_id = ${projectId}`];
  const col = sql.raw(`r.${period}`);
  if (range.from) parts.push(sql`${col} >= ${range.from.toISOString()}::timestamptz`);
  if (range.to) parts.push(sql`${col} < ${range.to.toISOString()}::timestamptz`);
  for (const c of ["feature", "model", "provider"] as Column[]) {
    const v = f[c];
    if (v !== undefined) parts.push(sql`r.${sql.raw(c)} = ${v}`);
  }
  return sql.join(parts, sql` AND `);
}
