import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { int8, numeric, ZERO_USD } from "~/server/db/query";
import { FOLDED_SQL } from "~/server/rollups/attribution-fold-sql";
import { unfoldedEvents } from "~/server/rollups/tail";
import type { Filters } from "../schemas";
import { planWindow, rawConditions, rollupConditions, type Range } from "./window";

/**
 * A grouping dimension: its output name and its expression on each source — the hourly (r) and
 * daily (r) rollups and raw cost_events (e). `day: null` when daily rows are too coarse for it.
 */
export type Dim = { as: string; hour: SQL; day: SQL | null; raw: SQL };
type Side = "hour" | "day" | "raw";

const plain = (c: string): Dim => ({ as: c, hour: sql.raw(`r.${c}`), day: sql.raw(`r.${c}`), raw: sql.raw(`e.${c}`) });

export const dims = {
  feature: plain("feature"),
  model: plain("model"),
  provider: plain("provider"),
  bucketTime: (unit: "hour" | "day"): Dim =>
    unit === "hour"
      ? { as: "t", hour: sql`r.hour`, day: null, raw: sql`date_trunc('hour', e.ts, 'UTC')` }
      : { as: "t", hour: sql`date_trunc('day', r.hour, 'UTC')`, day: sql`r.day`, raw: sql`date_trunc('day', e.ts, 'UTC')` },
} satisfies Record<string, Dim | ((u: "hour" | "day") => Dim)>;

const expr = (d: Dim, side: Side): SQL => (side === "day" ? (d.day ?? d.hour) : d[side]);
const select = (ds: Dim[], side: Side) =>
  ds.length === 0 ? sql`` : sql`${sql.join(ds.map((d) => sql`${expr(d, side)} AS ${sql.identifier(d.as)}`), sql`, `)}, `;
const groupBy = (ds: Dim[], side: Side) =>
  ds.length === 0 ? sql`` : sql` GROUP BY ${sql.join(ds.map((d) => expr(d, side)), sql`, `)}`;

/**
 * The rollup reads of a plan: (table period, range) pairs, daily first, and the one range they
 * cover together (they are contiguous) within the window, where the events not folded yet are
 * added from raw rows (an edge hour read whole and trimmed by `minus` is trimmed of folded events
 * only: its unfolded events outside the window are not added back).
 */
function rollupReads(f: Filters, ds: Dim[], subtract = false) {
  const plan = planWindow(f, ds.every((d) => d.day !== null), subtract);
  const reads: { period: "hour" | "day"; range: Range }[] = [];
  if (plan.day) reads.push({ period: "day", range: plan.day });
  for (const range of plan.hour) reads.push({ period: "hour", range });
  const covered = coveredRange(reads.map((r) => r.range));
  const tail = covered && {
    from: later(covered.from, f.from ?? null),
    to: earlier(covered.to, f.to ?? null),
  };
  return { reads, raw: plan.raw, minus: plan.minus, tail };
}

// Range bounds: null is unbounded.
const later = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a > b ? a : b);
const earlier = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a < b ? a : b);

/** The folded events of cost_events (those in the rollups): what the `minus` ranges subtract. */
const FOLDED_EVENTS = sql.raw("cost_events e, rollup_fold_state fs");
const FOLDED = sql.raw(`fs.id = 1 AND ${FOLDED_SQL("e", "fs")}`);

function coveredRange(ranges: Range[]): Range | null {
  if (ranges.length === 0) return null;
  const bound = (pick: (r: Range) => Date | null, better: (a: Date, b: Date) => boolean) =>
    ranges.reduce<Date | null | undefined>((acc, r) => {
      const v = pick(r);
      if (acc === null || v === null) return null;
      return acc === undefined || better(v, acc) ? v : acc;
    }, undefined) ?? null;
  return { from: bound((r) => r.from, (a, b) => a < b), to: bound((r) => r.to, (a, b) => a > b) };
}

const RAW_USAGE: [string, string][] = [
  ["count(*)", "calls"],
  ["count(*) FILTER (WHERE e.status = 'error')", "errors"],
  ["count(*) FILTER (WHERE e.cost_source = 'unpriced')", "unpriced"],
  ["sum(e.input_tokens)", "input_tokens"],
  ["sum(e.output_tokens)", "output_tokens"],
  ["sum(e.cached_input_tokens)", "cached_input_tokens"],
  ["sum(e.cache_write_tokens)", "cache_write_tokens"],
  ["sum(e.reasoning_tokens)", "reasoning_tokens"],
  ["sum(e.cost_usd)", "cost"],
  ["count(e.latency_ms)", "lat_n"],
  ["sum(e.latency_ms)", "lat_sum"],
];
const rawUsage = sql.raw(RAW_USAGE.map(([agg, as]) => `${agg} AS ${as}`).join(", "));
const rawUsageNegated = sql.raw(RAW_USAGE.map(([agg, as]) => `-${agg} AS ${as}`).join(", "));

/**
 * Usage metrics per group for the filters: whole hours from usage_hourly plus the partial hours
 * at the edges (or everything, when the filters need raw rows) from cost_events. Exact either way.
 * `subtract` (planWindow): an edge hour may be read whole minus its folded events outside the
 * window, so a group can sum to zero calls — the caller drops those (HAVING, see nonEmpty).
 */
export function usageParts(projectId: string, f: Filters, ds: Dim[], { subtract = false } = {}): SQL {
  const { reads, raw, minus, tail } = rollupReads(f, ds, subtract);
  const parts: SQL[] = reads.map(
    ({ period, range }) => sql`SELECT ${select(ds, period)}sum(r.calls) AS calls, sum(r.errors) AS errors,
      sum(r.unpriced_calls) AS unpriced, sum(r.input_tokens) AS input_tokens, sum(r.output_tokens) AS output_tokens,
      sum(r.cached_input_tokens) AS cached_input_tokens, sum(r.cache_write_tokens) AS cache_write_tokens,
      sum(r.reasoning_tokens) AS reasoning_tokens, sum(r.cost_usd) AS cost, sum(r.latency_count) AS lat_n,
      sum(r.latency_sum_ms) AS lat_sum
      FROM ${sql.raw(period === "day" ? "usage_daily" : "usage_hourly")} r
      WHERE ${rollupConditions(projectId, f, range, period)}${groupBy(ds, period)}`,
  );
  if (tail) {
    parts.push(sql`SELECT ${select(ds, "raw")}${rawUsage}
      FROM ${unfoldedEvents()} WHERE ${rawConditions(projectId, f, tail)}${groupBy(ds, "raw")}`);
  }
  for (const range of raw) {
    parts.push(sql`SELECT ${select(ds, "raw")}${rawUsage}
      FROM cost_events e WHERE ${rawConditions(projectId, f, range)}${groupBy(ds, "raw")}`);
  }
  for (const range of minus) {
    parts.push(sql`SELECT ${select(ds, "raw")}${rawUsageNegated}
      FROM ${FOLDED_EVENTS} WHERE ${FOLDED} AND ${rawConditions(projectId, f, range)}${groupBy(ds, "raw")}`);
  }
  return sql.join(parts, sql` UNION ALL `);
}

/** With `subtract`, the groups left with no call in the window are dropped (a HAVING for the final grouping). */
export const nonEmpty = sql` HAVING coalesce(sum(calls), 0) > 0`;

type LatencyTarget = { dim: "feature" | "model" | "all"; select: SQL; keys: SQL[] };

/**
 * Which per-dimension histogram answers this grouping + filters, or null when only raw rows can
 * (e.g. grouping by feature while filtering by model).
 */
function latencyTarget(f: Filters, ds: Dim[]): LatencyTarget | null {
  const grouped = ds.map((d) => d.as).join(",");
  const filtered = (["feature", "provider", "model"] as const).filter((c) => f[c] !== undefined);
  const keyIs = (col: "key1" | "key2", v: string | undefined) => (v === undefined ? [] : [sql`${sql.raw(`r.${col}`)} = ${v}`]);
  const byFeature = { dim: "feature" as const, select: sql`r.key1 AS feature, `, keys: keyIs("key1", f.feature) };
  const byModel = { dim: "model" as const, select: sql`r.key1 AS provider, r.key2 AS model, `, keys: [...keyIs("key1", f.provider), ...keyIs("key2", f.model)] };
  if (grouped === "feature") return filtered.every((c) => c === "feature") ? byFeature : null;
  if (grouped === "provider,model") return filtered.every((c) => c !== "feature") ? byModel : null;
  if (grouped !== "") return null;
  if (filtered.length === 0) return { dim: "all", select: sql``, keys: [] };
  if (filtered.every((c) => c === "feature")) return { ...byFeature, select: sql`` };
  if (filtered.every((c) => c !== "feature")) return { ...byModel, select: sql`` };
  return null;
}

/**
 * Latency histograms per group, split over rollups and raw rows like usageParts: `rows` — counts per
 * group and bucket (hourly rollups, raw edges and tail, negated `minus` ranges); `packed` — the daily
 * rollup's rows, one per day and group, with their buckets and counts as comma-separated text
 * (summed by latencyHistograms). Either may be null.
 */
export function latencyParts(projectId: string, f: Filters, ds: Dim[]): { rows: SQL | null; packed: SQL | null } {
  const target = latencyTarget(f, ds);
  // Histogram counts subtract safely: a bucket netting to zero counts for nothing.
  const { reads, raw, minus, tail } = target
    ? rollupReads(f, ds, true)
    : { reads: [], raw: [{ from: f.from ?? null, to: f.to ?? null }], minus: [], tail: null };
  const t = target ?? { dim: "all", select: sql``, keys: [] };
  const conds = (col: SQL, range: Range) => [
    sql`r.project_id = ${projectId}`,
    sql`r.dim = ${t.dim}`,
    ...(range.from ? [sql`${col} >= ${range.from.toISOString()}::timestamptz`] : []),
    ...(range.to ? [sql`${col} < ${range.to.toISOString()}::timestamptz`] : []),
    ...t.keys,
  ];
  const groups = ds.map((d) => sql.identifier(d.as));
  let packed: SQL | null = null;
  const parts: SQL[] = [];
  for (const { period, range } of reads) {
    if (period === "day") {
      packed = sql`SELECT ${t.select}array_to_string(r.buckets, ',') AS buckets, array_to_string(r.counts, ',') AS counts
        FROM latency_daily r WHERE ${sql.join(conds(sql`r.day`, range), sql` AND `)}`;
      continue;
    }
    parts.push(sql`SELECT ${t.select}r.bucket AS bucket, sum(r.calls) AS n
      FROM latency_hourly r
      WHERE ${sql.join(conds(sql`r.hour`, range), sql` AND `)}
      GROUP BY ${sql.join([...groups, sql`r.bucket`], sql`, `)}`);
  }
  const rawHistogram = (from: SQL, where: SQL, n = sql`count(*)`) => sql`SELECT ${select(ds, "raw")}e.latency_bucket AS bucket, ${n} AS n
      FROM ${from} WHERE ${where} AND e.latency_bucket IS NOT NULL
      GROUP BY ${sql.join([...ds.map((d) => expr(d, "raw")), sql`e.latency_bucket`], sql`, `)}`;
  if (tail) parts.push(rawHistogram(unfoldedEvents(), rawConditions(projectId, f, tail)));
  for (const range of raw) parts.push(rawHistogram(sql`cost_events e`, rawConditions(projectId, f, range)));
  for (const range of minus) parts.push(rawHistogram(FOLDED_EVENTS, sql`${FOLDED} AND ${rawConditions(projectId, f, range)}`, sql`-count(*)`));
  return { rows: parts.length ? sql.join(parts, sql` UNION ALL `) : null, packed };
}

/** Sums the parts per group; money stays numeric and leaves the database as text. */
export function metricsColumns(): SQL {
  return sql`coalesce(sum(calls), 0)::text AS calls, coalesce(sum(errors), 0)::text AS errors,
    coalesce(sum(unpriced), 0)::text AS unpriced, coalesce(sum(input_tokens), 0)::text AS input_tokens,
    coalesce(sum(output_tokens), 0)::text AS output_tokens, coalesce(sum(cached_input_tokens), 0)::text AS cached_input_tokens,
    coalesce(sum(cache_write_tokens), 0)::text AS cache_write_tokens, coalesce(sum(reasoning_tokens), 0)::text AS reasoning_tokens,
    coalesce(sum(cost), ${ZERO_USD}) AS cost, coalesce(sum(lat_n), 0)::text AS lat_n, coalesce(sum(lat_sum), 0)::text AS lat_sum`;
}

// The columns of metricsColumns(), as postgres.js returns them (int8 and numeric as text).
export const metricsRowSchema = z.object({
  calls: int8,
  errors: int8,
  unpriced: int8,
  input_tokens: int8,
  output_tokens: int8,
  cached_input_tokens: int8,
  cache_write_tokens: int8,
  reasoning_tokens: int8,
  cost: numeric,
  lat_n: int8,
  lat_sum: int8,
});
export type MetricsRow = z.output<typeof metricsRowSchema>;


export type Metrics = {
  calls: number;
  errors: number;
  errorRate: number;
  unpricedCalls: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Exact decimal string (numeric in PostgreSQL), never a float. Unpriced calls are excluded. */
  costUsd: string;
  avgLatencyMs: number | null;
};

export function toMetrics(r: MetricsRow): Metrics {
  const calls = Number(r.calls);
  const latN = Number(r.lat_n);
  return {
    calls,
    errors: Number(r.errors),
    errorRate: calls === 0 ? 0 : Number(r.errors) / calls,
    unpricedCalls: Number(r.unpriced),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    cachedInputTokens: Number(r.cached_input_tokens),
    cacheWriteTokens: Number(r.cache_write_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
    costUsd: r.cost,
    avgLatencyMs: latN === 0 ? null : Math.round(Number(r.lat_sum) / latN),
  };
}
