import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { Filters } from "../schemas";

const HOUR_MS = 3_600_000;

export type WindowPlan = {
  /** Whole hours read from the rollups, or null when the rollups cannot answer these filters. */
  rollup: { from: Date | null; to: Date | null } | null;
  /** Ranges read from raw cost_events: the partial hours at the edges (or everything). */
  raw: { from: Date | null; to: Date | null }[];
};

/** Rollups have no user or status dimension: those filters are answered from raw events. */
export function rollupCanAnswer(f: Filters): boolean {
  return f.userId === undefined && f.status === undefined;
}

/**
 * Splits [from, to) into whole hours (rollups) and partial hours at either edge (raw events),
 * so every figure is exact for any window while reading at most two hours of raw rows.
 */
export function planWindow(f: Filters): WindowPlan {
  const from = f.from ?? null;
  const to = f.to ?? null;
  if (!rollupCanAnswer(f)) return { rollup: null, raw: [{ from, to }] };
  const fromH = from ? new Date(Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS) : null;
  const toH = to ? new Date(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS) : null;
  if (fromH && toH && fromH >= toH) return { rollup: null, raw: [{ from, to }] };
  const raw: WindowPlan["raw"] = [];
  if (from && fromH && from < fromH) raw.push({ from, to: fromH });
  if (to && toH && toH < to) raw.push({ from: toH, to });
  return { rollup: { from: fromH, to: toH }, raw };
}

type Column = "feature" | "model" | "provider";

/** Conditions on cost_events (alias e) for a raw range and the non-time filters. */
export function rawConditions(projectId: string, f: Filters, range: { from: Date | null; to: Date | null }): SQL {
  const parts: SQL[] = [sql`e.project_id = ${projectId}`];
  if (range.from) parts.push(sql`e.ts >= ${range.from.toISOString()}::timestamptz`);
  if (range.to) parts.push(sql`e.ts < ${range.to.toISOString()}::timestamptz`);
  for (const c of ["feature", "model", "provider"] as Column[]) {
    const v = f[c];
    if (v !== undefined) parts.push(sql`e.${sql.raw(c)} = ${v}`);
  }
  if (f.userId !== undefined) parts.push(sql`e.user_id = ${f.userId}`);
  if (f.status !== undefined) parts.push(sql`e.status = ${f.status}`);
  return sql.join(parts, sql` AND `);
}

/** Conditions on a rollup table (alias r) for whole hours and the non-time filters. */
export function rollupConditions(projectId: string, f: Filters, range: { from: Date | null; to: Date | null }): SQL {
  const parts: SQL[] = [sql`r.project_id = ${projectId}`];
  if (range.from) parts.push(sql`r.hour >= ${range.from.toISOString()}::timestamptz`);
  if (range.to) parts.push(sql`r.hour < ${range.to.toISOString()}::timestamptz`);
  for (const c of ["feature", "model", "provider"] as Column[]) {
    const v = f[c];
    if (v !== undefined) parts.push(sql`r.${sql.raw(c)} = ${v}`);
  }
  return sql.join(parts, sql` AND `);
}
