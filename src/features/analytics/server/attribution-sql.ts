import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { ATTRIBUTION_KEY_SQL, FOLDED_SQL } from "~/server/rollups/attribution-fold-sql";
import { UNFOLDED_EVENTS_SQL } from "~/server/rollups/tail";
import type { Filters } from "../schemas";
import { dims, metricsColumns, metricsRowSchema, usageParts, type Dim } from "./usage-sql";
import { planWindow, rawConditions, rollupCanAnswer, type Range } from "./window";

/**
 * Where the groups of one attribution dimension come from:
 * - "usage": feature, model, provider — the usage rollups (usage-sql.ts);
 * - "attr": user, tag, a metadata key, session — attribution_daily / attribution_hourly under
 *   `rollupDim` when there is one (user, tag, promoted metadata keys) and the filters allow it,
 *   else raw cost_events; `rawFrom` is the FROM clause over a cost_events-shaped relation
 *   (alias e; tags are unnested) and `rawKey` the group key, '' meaning "none"; `rawKeyIn`, when
 *   set, is `rawKey = ANY(list)` in a form an index can serve (`none`: '' is among the keys).
 */
export type GroupSource =
  | { kind: "usage"; dim: Dim }
  | { kind: "attr"; rollupDim: string | null; rawFrom: (events: SQL) => SQL; rawKey: SQL; rawKeyIn?: (list: SQL, none: boolean) => SQL };

const plainFrom = (events: SQL) => sql`${events} e`;

export const groupSources = {
  feature: { kind: "usage", dim: dims.feature } as GroupSource,
  model: { kind: "usage", dim: dims.model } as GroupSource,
  provider: { kind: "usage", dim: dims.provider } as GroupSource,
  user: {
    kind: "attr",
    rollupDim: "user",
    rawFrom: plainFrom,
    rawKey: sql.raw(ATTRIBUTION_KEY_SQL.user("e")),
    // The same rows as coalesce(e.user_id, '') = ANY(keys), but through cost_events_user_idx
    // (project_id, user_id, ts): a few users' events in a range are a few index ranges, where the
    // coalesce was a filter on every event of the range (an hour at 5M: ~4 ms per statement).
    rawKeyIn: (list: SQL, none: boolean) => (none ? sql`(e.user_id = ANY(${list}) OR e.user_id IS NULL)` : sql`e.user_id = ANY(${list})`),
  } as GroupSource,
  session: { kind: "attr", rollupDim: null, rawFrom: plainFrom, rawKey: sql`coalesce(e.session_id, '')` } as GroupSource,
  tag: {
    kind: "attr",
    rollupDim: "tag",
    rawFrom: (events: SQL) => sql`${events} e CROSS JOIN LATERAL ${sql.raw(ATTRIBUTION_KEY_SQL.tagSource("e"))} AS t(k)`,
    rawKey: sql`t.k`,
  } as GroupSource,
  /** `promoted`: the project rolls this key up (promoted_metadata_keys). */
  metadata: (key: string, promoted: boolean): GroupSource => ({
    kind: "attr",
    rollupDim: promoted ? `meta:${key}` : null,
    rawFrom: plainFrom,
    rawKey: sql`coalesce(e.metadata ->> ${key}, '')`,
  }),
};

// The events not folded yet (src/server/rollups/): added from their rows over the range the
// rollup reads cover, in the same statement, so rollups + tail = every committed event.
const ROLLUP_TAIL = sql.raw(UNFOLDED_EVENTS_SQL);

const METRICS_FROM_ROLLUP = sql`sum(r.calls) AS calls, sum(r.errors) AS errors, sum(r.unpriced_calls) AS unpriced,
  sum(r.input_tokens) AS input_tokens, sum(r.output_tokens) AS output_tokens, sum(r.cached_input_tokens) AS cached_input_tokens,
  sum(r.cache_write_tokens) AS cache_write_tokens, sum(r.reasoning_tokens) AS reasoning_tokens, sum(r.cost_usd) AS cost,
  sum(r.latency_count) AS lat_n, sum(r.latency_sum_ms) AS lat_sum, min(r.first_seen) AS first_seen, max(r.last_seen) AS last_seen`;

/**
 * The usage metrics of raw rows (alias e), negated for a `minus` range of planWindow's
 * `subtract`: sums and counts only, so first/last seen are NULL there.
 */
const metricsFromRaw = (negate: boolean) => {
  const n = negate ? "-" : "";
  return sql.raw(`${n}count(*) AS calls, ${n}count(*) FILTER (WHERE e.status = 'error') AS errors,
  ${n}count(*) FILTER (WHERE e.cost_source = 'unpriced') AS unpriced, ${n}sum(e.input_tokens) AS input_tokens,
  ${n}sum(e.output_tokens) AS output_tokens, ${n}sum(e.cached_input_tokens) AS cached_input_tokens,
  ${n}sum(e.cache_write_tokens) AS cache_write_tokens, ${n}sum(e.reasoning_tokens) AS reasoning_tokens,
  ${n}sum(e.cost_usd) AS cost, ${n}count(e.latency_ms) AS lat_n, ${n}sum(e.latency_ms) AS lat_sum,
  ${negate ? "NULL::timestamptz AS first_seen, NULL::timestamptz AS last_seen" : "min(e.ts) AS first_seen, max(e.ts) AS last_seen"}`);
};

function covered(ranges: Range[]): Range | null {
  if (ranges.length === 0) return null;
  const froms = ranges.map((r) => r.from);
  const tos = ranges.map((r) => r.to);
  const from = froms.some((d) => d === null) ? null : new Date(Math.min(...froms.map((d) => d?.getTime() ?? 0)));
  const to = tos.some((d) => d === null) ? null : new Date(Math.max(...tos.map((d) => d?.getTime() ?? 0)));
  return { from, to };
}

/**
 * `keys` as one text[] for `col = ANY(…)`: a single JSON parameter however many keys (a deep users
 * page asks for a thousand or more: as an IN list, each part of the statement carried them all as
 * separate parameters, and building, binding and planning it cost more than running it).
 * ARRAY(SELECT …) rather than a text[] parameter: the same on postgres.js, PGlite and Citus.
 */
export function keysArray(keys: readonly string[]): SQL {
  return sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`;
}

/**
 * Per group (column `key`, and `t` when bucketed), the usage metrics plus first/last seen: exact
 * for any window — whole days and hours from the rollups when they can answer, raw rows for the
 * rest, like usageParts. `foldedOnly`: the folded events alone (what the rollups and user_totals
 * hold), no tail. `subtract` (with `foldedOnly`, no bucket; planWindow's): an edge hour may be read
 * whole minus its folded events outside the range — then the sums are exact but first/last seen
 * are not (the caller finds those otherwise), and a group may sum to zero calls.
 */
export function attributionParts(
  projectId: string,
  f: Filters,
  src: GroupSource,
  bucket: "hour" | "day" | null = null,
  keys: string[] | SQL | null = null,
  { foldedOnly = false, subtract = false }: { foldedOnly?: boolean; subtract?: boolean } = {},
): SQL {
  if (subtract && (!foldedOnly || bucket !== null)) throw new Error("attributionParts: subtract needs foldedOnly and no bucket");
  // `keys`: only these groups (read through the (project_id, dim, key, period) indexes): a list,
  // or a text[] expression of the statement the parts go into.
  const keyList = keys === null ? null : Array.isArray(keys) ? keysArray(keys) : keys;
  if (src.kind === "usage") {
    if (keyList) throw new Error("attributionParts: keys apply to attribution dimensions only");
    const ds = bucket ? [dims.bucketTime(bucket), src.dim] : [src.dim];
    const t = bucket ? sql`t, ` : sql``;
    return sql`SELECT ${t}${sql.identifier(src.dim.as)} AS key, calls, errors, unpriced, input_tokens, output_tokens,
      cached_input_tokens, cache_write_tokens, reasoning_tokens, cost, lat_n, lat_sum,
      NULL::timestamptz AS first_seen, NULL::timestamptz AS last_seen FROM (${usageParts(projectId, f, ds)}) u`;
  }
  const useRollup = src.rollupDim !== null && rollupCanAnswer(f);
  const plan = useRollup ? planWindow(f, bucket !== "hour", subtract) : { day: null, hour: [], raw: [{ from: f.from ?? null, to: f.to ?? null }], minus: [] };
  const parts: SQL[] = [];
  const reads: { table: "attribution_daily" | "attribution_hourly"; col: "day" | "hour"; range: Range }[] = [];
  if (plan.day) reads.push({ table: "attribution_daily", col: "day", range: plan.day });
  for (const range of plan.hour) reads.push({ table: "attribution_hourly", col: "hour", range });
  for (const { table, col, range } of reads) {
    const c = sql.raw(`r.${col}`);
    const tExpr = bucket === null ? null : bucket === "day" && col === "hour" ? sql`date_trunc('day', r.hour, 'UTC')` : c;
    const conds = [sql`r.project_id = ${projectId}`, sql`r.dim = ${src.rollupDim}`];
    if (keyList) conds.push(sql`r.key = ANY(${keyList})`);
    if (range.from) conds.push(sql`${c} >= ${range.from.toISOString()}::timestamptz`);
    if (range.to) conds.push(sql`${c} < ${range.to.toISOString()}::timestamptz`);
    parts.push(sql`SELECT ${tExpr ? sql`${tExpr} AS t, ` : sql``}r.key, ${METRICS_FROM_ROLLUP}
      FROM ${sql.raw(table)} r WHERE ${sql.join(conds, sql` AND `)} GROUP BY ${tExpr ? sql`1, 2` : sql`1`}`);
  }
  // A key list given as SQL (another relation of the statement) may hold the "(none)" key too.
  const keyFilter = keyList === null ? null : src.rawKeyIn ? src.rawKeyIn(keyList, !Array.isArray(keys) || keys.includes("")) : sql`${src.rawKey} = ANY(${keyList})`;
  const rawT = bucket ? sql`date_trunc(${bucket}, e.ts, 'UTC') AS t, ` : sql``;
  const rawGroup = bucket ? sql`1, 2` : sql`1`;
  const folded = foldedOnly ? sql`, rollup_fold_state fs` : sql``;
  const foldedCond = foldedOnly ? sql` AND fs.id = 1 AND ${sql.raw(FOLDED_SQL("e", "fs"))}` : sql``;
  const raw = (events: SQL, range: Range, negate = false) =>
    sql`SELECT ${rawT}${src.rawKey} AS key, ${metricsFromRaw(negate)} FROM ${src.rawFrom(events)}${folded}
      WHERE ${rawConditions(projectId, f, range)}${keyFilter ? sql` AND ${keyFilter}` : sql``}${foldedCond} GROUP BY ${rawGroup}`;
  const tailRange = covered(reads.map((r) => r.range));
  if (tailRange && !foldedOnly) parts.push(raw(ROLLUP_TAIL, tailRange));
  for (const range of plan.raw) parts.push(raw(sql`cost_events`, range));
  for (const range of plan.minus) parts.push(raw(sql`cost_events`, range, true));
  return sql.join(parts, sql` UNION ALL `);
}

/** Sums the parts per key (and t): metricsColumns() plus first/last seen as exact text. */
export function attributionColumns(): SQL {
  return sql`${metricsColumns()},
    to_char(min(first_seen) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS first_seen,
    to_char(max(last_seen) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_seen`;
}

export const attributionRowSchema = metricsRowSchema.extend({
  key: z.string(),
  first_seen: z.string().nullable(),
  last_seen: z.string().nullable(),
});
export type AttributionRow = z.output<typeof attributionRowSchema>;
