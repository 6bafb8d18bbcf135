import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "~/server/db";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { int8, queryRows, readSnapshot } from "~/server/db/query";
import { metadataKeyOf, NONE_KEY, type BreakdownBy, type BreakdownInput, type UserOrder, type UsersInput } from "../attribution-schemas";
import { filterFingerprint, type Filters, type ListInput } from "../schemas";
import { DIMENSION_KEYS } from "~/lib/list-filters";
import { attributionColumns, attributionParts, attributionRowSchema, groupSources, keysArray, type AttributionRow, type GroupSource } from "./attribution-sql";
import { isPromoted } from "./promoted-keys";
import { toMetrics, type Metrics } from "./usage-sql";
import { parseUsdToPicos } from "~/lib/money";
import { unfoldedEvents } from "~/server/rollups/tail";
import { FOLDED_SQL, USER_MIX_SQL } from "~/server/rollups/attribution-fold-sql";
import { ceilToHour, floorToHour, rawConditions } from "./window";

export type BreakdownItem = Metrics & { key: string; none: boolean; firstSeen: string | null; lastSeen: string | null };

/** The group source of a breakdown dimension (metadata keys: rollup when promoted). */
export async function sourceFor(db: DbOrTx, projectId: string, by: BreakdownBy): Promise<GroupSource> {
  const metaKey = metadataKeyOf(by);
  if (metaKey !== null) return groupSources.metadata(metaKey, await isPromoted(db, projectId, metaKey));
  return groupSources[by as Exclude<BreakdownBy, `metadata:${string}`>];
}

// The sort value of a row travels in the cursor with the row's key (sort desc, key asc is unique).
const ORDERS = {
  cost: { expr: sql`a.cost`, cast: sql`numeric`, pick: (r: AttributionRow) => r.cost, schema: z.string().regex(/^\d{1,20}(\.\d{1,12})?$/) },
  calls: { expr: sql`a.calls::bigint`, cast: sql`bigint`, pick: (r: AttributionRow) => r.calls, schema: z.string().regex(/^\d{1,19}$/) },
  lastSeen: {
    expr: sql`a.last_seen::timestamptz`,
    cast: sql`timestamptz`,
    pick: (r: AttributionRow) => r.last_seen ?? "",
    schema: z.string().regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
  },
} as const;

/**
 * One page (or, limit null, all) of groups sorted by `order` desc then key asc. `withoutNone`
 * drops the "(none)" group (the users list is about users).
 */
export function attributionQuery(
  projectId: string,
  f: Filters,
  src: GroupSource,
  opts: { order: UserOrder; after: [string, string] | null; limit: number | null; withoutNone?: boolean; keys?: string[] },
): SQL {
  const o = ORDERS[opts.order];
  const conds: SQL[] = [];
  if (opts.withoutNone) conds.push(sql`a.key <> ''`);
  if (opts.after) conds.push(sql`(${o.expr} < ${opts.after[0]}::${o.cast} OR (${o.expr} = ${opts.after[0]}::${o.cast} AND a.key > ${opts.after[1]}))`);
  return sql`WITH p AS (${attributionParts(projectId, f, src, null, opts.keys ?? null)}),
    a AS (SELECT key, ${attributionColumns()} FROM p GROUP BY key)
    SELECT * FROM a${conds.length ? sql` WHERE ${sql.join(conds, sql` AND `)}` : sql``}
    ORDER BY ${o.expr} DESC, a.key${opts.limit === null ? sql`` : sql` LIMIT ${opts.limit}`}`;
}

export function toBreakdownItem(r: AttributionRow): BreakdownItem {
  return { key: r.key === "" ? NONE_KEY : r.key, none: r.key === "", ...toMetrics(r), firstSeen: r.first_seen, lastSeen: r.last_seen };
}

async function pageOf(
  db: DbOrTx,
  secret: Buffer,
  projectId: string,
  input: ListInput,
  list: string,
  extra: Record<string, unknown>,
  src: GroupSource,
  order: UserOrder,
  withoutNone: boolean,
  boundedUsers = false,
) {
  const scope: CursorScope = { list, projectId, fingerprint: filterFingerprint(input, extra) };
  const keySchema = z.tuple([ORDERS[order].schema, z.string().max(1000)]);
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const top = boundedUsers ? await topUsersByCost(db, projectId, input, after, input.limit + 1, { withNone: !withoutNone }) : null;
  const rows = top ? top.rows : await queryRows(db, attributionRowSchema, attributionQuery(projectId, input, src, { order, after, limit: input.limit + 1, withoutNone }));
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [ORDERS[order].pick(last), last.key]) : null;
  return { page, nextCursor, sides: top?.sides ?? new Map<string, Side>() };
}

/**
 * `fn` in one REPEATABLE READ READ ONLY transaction when `needed`: topUsersByCost reads the tail,
 * user_totals and the rollups in several statements, which must all see the same fold state (a
 * fold between them would move a user across the cursor unseen).
 */
function oneSnapshot<T>(db: Db, needed: boolean, fn: (q: DbOrTx) => Promise<T>): Promise<T> {
  return needed ? readSnapshot(db, fn) : fn(db);
}

/** The users by cost can be read in all-time cost order (topUsersByCost): a window and no other filter. */
function usersByCostBounded(f: Filters): boolean {
  return DIMENSION_KEYS.every((k) => f[k] === undefined);
}

/** breakdown.list: one aggregate list by any dimension, by cost desc; "(none)" for events without it. */
export async function listBreakdown(db: Db, secret: Buffer, projectId: string, input: BreakdownInput) {
  const src = await sourceFor(db, projectId, input.by);
  const bounded = input.by === "user" && usersByCostBounded(input);
  const { page, nextCursor } = await oneSnapshot(db, bounded, (q) => pageOf(q, secret, projectId, input, "breakdown", { by: input.by }, src, "cost", false, bounded));
  return { items: page.map(toBreakdownItem), nextCursor };
}

export type UserItem = Metrics & { userId: string; firstSeen: string; lastSeen: string; topFeature: string | null; topModel: string | null };

/** users.list: per end user (events without one are left out), by cost, calls or last seen. */
export async function listUsers(db: Db, secret: Buffer, projectId: string, input: UsersInput) {
  const bounded = input.orderBy === "cost" && usersByCostBounded(input);
  return oneSnapshot(db, bounded, async (q) => {
    const { page, nextCursor, sides } = await pageOf(q, secret, projectId, input, "users", { orderBy: input.orderBy }, groupSources.user, input.orderBy, true, bounded);
    return { items: await userItems(q, projectId, input, page, sides), nextCursor };
  });
}

/**
 * How a user's figures for the window are found from their all-time row (user_totals):
 * - "whole": every folded event of theirs is in the window — the row itself;
 * - "outside": most of their history is in the window — the row minus their folded events
 *   outside it (before `from`, at or after `to`);
 * - "inside": summed over the window (attribution rollups + tail + raw edges);
 * - "ahead": recent totals that start after the window's start, plus the user's folded events
 *   between the two (aheadRows).
 * All but "inside" are exact only for users with no unfolded event (tail users are summed first).
 */
type Side = "whole" | "outside" | "inside" | "ahead";
const totalsRow = attributionRowSchema.extend({ side: z.enum(["whole", "outside", "inside"]) });
const TS_TEXT = (col: SQL) => sql`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const iso = (d: Date | undefined) => (d ? d.toISOString() : null);
const FOLDED_E = sql.raw(FOLDED_SQL("e", "fs"));
// user_totals' metric columns and their names in attribution rows (cost stays numeric, the rest text).
const TOTALS_METRICS = [["calls", "calls"], ["errors", "errors"], ["unpriced_calls", "unpriced"], ["input_tokens", "input_tokens"],
  ["output_tokens", "output_tokens"], ["cached_input_tokens", "cached_input_tokens"], ["cache_write_tokens", "cache_write_tokens"],
  ["reasoning_tokens", "reasoning_tokens"], ["cost_usd", "cost"], ["latency_count", "lat_n"], ["latency_sum_ms", "lat_sum"]] as const;
/** The metric columns of attribution rows from user_totals `t`, each as `value(column, alias)`. */
const totalsMetrics = (value: (column: string, alias: string) => string): SQL =>
  sql.raw(TOTALS_METRICS.map(([c, a]) => `${value(c, a)}${a === "cost" ? "" : "::text"} AS ${a}`).join(", "));

/** The side of a user_totals row `t` for the window (see Side): "outside" when the time outside is under a quarter of the time inside. */
function sideOf(f: Filters): SQL {
  const from = iso(f.from);
  const to = iso(f.to);
  const whole = sql.join([sql`true`, ...(from ? [sql`t.first_seen >= ${from}::timestamptz`] : []), ...(to ? [sql`t.last_seen < ${to}::timestamptz`] : [])], sql` AND `);
  const secs = (a: SQL, b: SQL) => sql`greatest(extract(epoch FROM ${a} - ${b}), 0)`;
  const outside = sql`${from ? secs(sql`${from}::timestamptz`, sql`t.first_seen`) : sql`0`} + ${to ? secs(sql`t.last_seen`, sql`${to}::timestamptz`) : sql`0`}`;
  const inside = secs(to ? sql`least(t.last_seen, ${to}::timestamptz)` : sql`t.last_seen`, from ? sql`greatest(t.first_seen, ${from}::timestamptz)` : sql`t.first_seen`);
  return sql`CASE WHEN ${whole} THEN 'whole' WHEN 4 * (${outside}) < ${inside} THEN 'outside' ELSE 'inside' END`;
}

/**
 * The per-user totals a users list reads `t` from, with where they start (`since`): the recent
 * totals of the window length whose anchor is the nearest at or before the window's start (they
 * hold only the events since it, so the window cuts only the users seen between the two), else
 * the all-time user_totals. Anchors move on the hour, so a window taken before a move (a page
 * opened earlier, then scrolled) starts up to an hour before the anchor of its length, and the
 * next one below is days earlier: when that anchor is at most AHEAD_MAX_MS after the window's start
 * (and the window has no end), it is read instead, `since` after `from` — the users seen between
 * the two are then added to its rows (aheadRows). Read in the list's snapshot, like the rows.
 */
type Totals = { table: SQL; scope: SQL; since: Date | undefined };
const anchorRow = z.object({ span_days: z.number(), anchor: z.string() });
/**
 * How far after a window's start an anchor may be read from (the events in between are read raw,
 * and their users settled): at 5M events, 30 minutes before the anchor a deep page was still ~10 ms
 * faster than from the next span, 55 minutes before it slower on every page (session 33).
 */
const AHEAD_MAX_MS = 30 * 60_000;
export async function totalsFor(db: DbOrTx, projectId: string, f: Filters): Promise<Totals> {
  const allTime: Totals = { table: sql`user_totals`, scope: sql`t.project_id = ${projectId}`, since: undefined };
  if (!f.from) return allTime;
  const from = f.from.getTime();
  const anchors = (await queryRows(db, anchorRow, sql`SELECT span_days, ${TS_TEXT(sql`anchor`)} AS anchor FROM user_recent_anchors`))
    .map((r) => ({ span: r.span_days, at: new Date(r.anchor) }));
  const below = anchors.filter((a) => a.at.getTime() <= from).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  const above = anchors.filter((a) => a.at.getTime() > from).sort((a, b) => a.at.getTime() - b.at.getTime())[0];
  const pick = below && from - below.at.getTime() <= AHEAD_MAX_MS ? below : above && !f.to && above.at.getTime() - from <= AHEAD_MAX_MS ? above : below;
  if (!pick) return allTime;
  return { table: sql`user_recent_totals`, scope: sql`t.project_id = ${projectId} AND t.span_days = ${pick.span}`, since: pick.at };
}

/** The totals start after the window's start (see totalsFor): their rows miss the window's first minutes. */
const isAhead = (totals: Totals, f: Filters): totals is Totals & { since: Date } =>
  totals.since !== undefined && f.from !== undefined && totals.since.getTime() > f.from.getTime();

/** Pending users settled in one statement when the reading could stop (topUsersByCost's `settleAtOnce`). */
const SETTLE_AT_ONCE = 300;

/**
 * For totals ahead of the window's start (no end, at most AHEAD_MAX_MS before the anchor): each
 * user's folded cost between the two (users with calls there only): one raw range through the
 * keyset index, half an hour at most.
 */
function aheadCosts(projectId: string, totals: Totals & { since: Date }, f: Filters): SQL {
  return sql`SELECT e.user_id AS key, coalesce(sum(e.cost_usd), 0)::text AS cost
    FROM cost_events e, rollup_fold_state fs
    WHERE e.project_id = ${projectId} AND e.ts >= ${iso(f.from) ?? totals.since.toISOString()}::timestamptz AND e.ts < ${totals.since.toISOString()}::timestamptz
      AND e.user_id IS NOT NULL AND fs.id = 1 AND ${FOLDED_E} GROUP BY 1`;
}

/**
 * For totals ahead of the window's start (no end): the window's figures of users `keys` who may
 * have folded events between the window's start and the anchor — those events (raw, one range of
 * at most 30 minutes, through the user index) plus the user's row, if any (all of which is in the
 * window); users with neither are left out. Same fold state as the rows (one snapshot).
 */
function aheadRows(projectId: string, totals: Totals & { since: Date }, f: Filters, keys: string[]): SQL {
  const parts = attributionParts(projectId, { from: f.from, to: totals.since }, groupSources.user, null, keys, { foldedOnly: true });
  const g = (a: string) => `coalesce(g.${a}, 0)`;
  return sql`WITH g AS (SELECT key, ${sql.raw(TOTALS_METRICS.map(([, a]) => `sum(${a}) AS ${a}`).join(", "))}, min(first_seen) AS first_seen, max(last_seen) AS last_seen
      FROM (${parts}) p GROUP BY key)
    SELECT u.key, ${totalsMetrics((c, a) => `(${g(a)} + coalesce(t.${c}, 0))`)},
      ${TS_TEXT(sql`coalesce(g.first_seen, t.first_seen)`)} AS first_seen, ${TS_TEXT(sql`coalesce(t.last_seen, g.last_seen)`)} AS last_seen
    FROM unnest(${keysArray(keys)}) u(key)
      LEFT JOIN g ON g.key = u.key
      LEFT JOIN (SELECT * FROM ${totals.table} t WHERE ${totals.scope} AND t.user_id = ANY(${keysArray(keys)})) t ON t.user_id = u.key
    WHERE g.key IS NOT NULL OR t.user_id IS NOT NULL`;
}

/** user_totals rows as attribution rows (same text forms as attributionColumns) with their side, in all-time cost order. */
function totalsRows(totals: Totals, f: Filters, where: SQL, limit: number | null): SQL {
  return sql`SELECT t.user_id AS key, ${totalsMetrics((c) => `t.${c}`)}, ${TS_TEXT(sql`t.first_seen`)} AS first_seen,
      ${TS_TEXT(sql`t.last_seen`)} AS last_seen, ${sideOf(f)} AS side
    FROM ${totals.table} t WHERE ${totals.scope} AND ${where}
    ORDER BY t.cost_usd DESC, t.user_id${limit === null ? sql`` : sql` LIMIT ${limit}`}`;
}

/** Folded events of user `t` outside the window, as conditions on `e`. */
function outsideWindow(f: Filters): SQL {
  const parts = [...(f.from ? [sql`e.ts < ${iso(f.from)}::timestamptz`] : []), ...(f.to ? [sql`e.ts >= ${iso(f.to)}::timestamptz`] : [])];
  return parts.length ? sql`(${sql.join(parts, sql` OR `)})` : sql`false`;
}

/**
 * The window's figures of "outside" users: their totals row minus their folded events before
 * `from` (from the totals' start) and at or after `to` (rollups and raw edges, like any window; an edge hour mostly
 * outside is its whole rollup minus its folded events inside), read in one statement so
 * both halves are the same fold state; first/last seen inside the window by one index probe each
 * when the window cuts them. For users with no unfolded event in the window, in one snapshot.
 * Users left with no call in the window are dropped.
 */
function outsideRows(projectId: string, totals: Totals, f: Filters, keys: string[]): SQL {
  const ranges = [...(f.from ? [{ from: totals.since, to: f.from }] : []), ...(f.to ? [{ from: f.to }] : [])];
  const parts = ranges.map((r) => attributionParts(projectId, r, groupSources.user, null, keys, { foldedOnly: true, subtract: true }));
  const inWindow = sql`e.ts >= ${iso(f.from) ?? "-infinity"}::timestamptz AND e.ts < ${iso(f.to) ?? "infinity"}::timestamptz`;
  // The user has no unfolded event in the window (else it is summed as a tail user): every event
  // the probe sees is folded, and min/max are one step down cost_events_user_idx.
  const probe = (agg: "min" | "max") => sql`(SELECT ${sql.raw(agg)}(e.ts) FROM cost_events e
    WHERE e.project_id = t.project_id AND e.user_id = t.user_id AND ${inWindow})`;
  const firstSeen = f.from ? sql`CASE WHEN t.first_seen >= ${iso(f.from)}::timestamptz THEN t.first_seen ELSE ${probe("min")} END` : sql`t.first_seen`;
  const lastSeen = f.to ? sql`CASE WHEN t.last_seen < ${iso(f.to)}::timestamptz THEN t.last_seen ELSE ${probe("max")} END` : sql`t.last_seen`;
  return sql`WITH p AS (${sql.join(parts, sql` UNION ALL `)}),
    o AS (SELECT key, ${sql.raw(TOTALS_METRICS.map(([, a]) => `sum(${a}) AS ${a}`).join(", "))} FROM p GROUP BY key)
    SELECT t.user_id AS key, ${totalsMetrics((c, a) => `(t.${c} - coalesce(o.${a}, 0))`)},
      ${TS_TEXT(firstSeen)} AS first_seen, ${TS_TEXT(lastSeen)} AS last_seen
    FROM ${totals.table} t LEFT JOIN o ON o.key = t.user_id
    WHERE ${totals.scope} AND t.user_id = ANY(${keysArray(keys)}) AND t.calls > coalesce(o.calls, 0)`;
}

// The users left (key and side), then one row (no key) with the count set aside.
const boundRow = z.object({ key: z.string(), cost: z.string() });
const cutRow = z.object({ key: z.string().nullable(), side: z.enum(["outside", "inside"]).nullable(), set_aside: z.string().nullable() });

/**
 * The users before the cursor `after` in all-time order whose window holds less than all their
 * events, less those (counted in `set_aside`) whose window cost is surely still before the cursor
 * without finding it exactly: their all-time cost minus an upper bound of their cost outside the
 * window is still above the cursor. The bound is their folded cost over the whole hours that cover
 * the outside — rollups only, no raw partial hour and no probes — so it is at most one hour of
 * each edge above the truth. On a deep page most users the window cuts are far above the cursor
 * and are set aside this way. One statement: only the few left travel, with their Side (never
 * "whole": the window cuts them). `skip`: users already summed (the tail's).
 */
function cutBeforeCursor(projectId: string, totals: Totals, f: Filters, after: [string, string], skip: string[]): SQL {
  const partial = sql.join([...(f.from ? [sql`t.first_seen < ${iso(f.from)}::timestamptz`] : []), ...(f.to ? [sql`t.last_seen >= ${iso(f.to)}::timestamptz`] : [])], sql` OR `);
  // Recent totals and a window starting in their anchor's hour: the outside is within that hour,
  // whose cost each row carries (index-only, no probe per user).
  const inAnchorHour = !f.to && f.from && totals.since && ceilToHour(f.from).getTime() <= totals.since.getTime() + 3_600_000;
  const ranges = [...(f.from && !inAnchorHour ? [{ from: totals.since, to: ceilToHour(f.from) }] : []), ...(f.to ? [{ from: floorToHour(f.to) }] : [])];
  const parts = ranges.map((r) => attributionParts(projectId, r, groupSources.user, null, sql`ARRAY(SELECT key FROM b)`, { foldedOnly: true }));
  const bounds = parts.length ? sql` UNION ALL SELECT key, NULL, -cost FROM (${sql.join(parts, sql` UNION ALL `)}) p` : sql``;
  // One grouping of the all-time costs and the negated bounds (no join: the planner cannot size b);
  // none when the window starts in the anchor's hour (the bound is on each row).
  return sql`WITH b AS MATERIALIZED (
      SELECT t.user_id AS key, ${inAnchorHour ? sql`t.cost_usd - t.anchor_hour_cost` : sql`t.cost_usd`} AS cost, ${sideOf(f)} AS side FROM ${totals.table} t
      WHERE ${totals.scope} AND (${partial}) AND t.cost_usd >= ${after[0]}::numeric
        AND (t.cost_usd > ${after[0]}::numeric OR t.user_id <= ${after[1]}) AND NOT (t.user_id = ANY(${keysArray(skip)}))
    ),
    l AS (${
      parts.length
        ? sql`SELECT key, max(side) AS side, sum(cost) AS least FROM (SELECT key, side, cost FROM b${bounds}) x GROUP BY key`
        : sql`SELECT key, side, cost AS least FROM b` /* one row per user already: no grouping */
    }),
    s AS (SELECT key, side, least > ${after[0]}::numeric OR (least = ${after[0]}::numeric AND key <= ${after[1]}) AS sure FROM l)
    SELECT key, side, NULL AS set_aside FROM s WHERE NOT sure
    UNION ALL SELECT NULL, NULL, count(*)::text FROM s WHERE sure`;
}

/**
 * The users list by cost (breakdown by user: `withNone`, the "(none)" group too), `limit` rows
 * after `after`, without grouping every user of the window. Users are read in order of their
 * all-time cost (user_totals, maintained by the fold) — or, over the last N days, of their cost
 * since the span's anchor (user_recent_totals; totalsFor) — which bounds their cost in the window
 * (costs are never negative), and each is found exactly for the window from that row (its Side:
 * whole, all-time minus outside, or summed over the window); users with unfolded events are
 * summed first. Reading stops once the `limit`-th best window cost found is above the bound of
 * every user not read yet. A deep page starts reading at the cursor's place in that order: a
 * whole-history user before it costs more than the cursor in the window too, so only the others
 * before it are found (cutBeforeCursor: one index-only range of user_totals_cost_idx, which
 * includes first and last seen, from the top to the cursor). The same rows and order as
 * attributionQuery. Only for a window without other filters.
 */
export async function topUsersByCost(
  db: DbOrTx,
  projectId: string,
  f: Filters,
  after: [string, string] | null,
  limit: number,
  { withNone = false, settleAtOnce = SETTLE_AT_ONCE }: { withNone?: boolean; settleAtOnce?: number } = {},
): Promise<{ rows: AttributionRow[]; sides: Map<string, Side>; setAside: number }> {
  // Each row's cost parsed once: the sorts below compare thousands of rows on a deep page.
  const parsed = new WeakMap<AttributionRow, bigint>();
  const costOf = (r: AttributionRow) => {
    let v = parsed.get(r);
    if (v === undefined) parsed.set(r, (v = parseUsdToPicos(r.cost)));
    return v;
  };
  const picos = (cost: string) => parseUsdToPicos(cost);
  const afterPicos = after ? picos(after[0]) : null;
  const qualifies = (r: AttributionRow) =>
    (withNone || r.key !== "") && (after === null || afterPicos === null || costOf(r) < afterPicos || (costOf(r) === afterPicos && r.key > after[1]));
  const byRank = (a: AttributionRow, b: AttributionRow) => {
    const d = costOf(b) - costOf(a);
    return d !== 0n ? (d > 0n ? 1 : -1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  };
  let best: AttributionRow[] = [];
  const seen = new Set<string>();
  const sides = new Map<string, Side>();
  const keep = (rows: AttributionRow[]) => {
    best = [...best, ...rows.filter(qualifies)].sort(byRank).slice(0, limit);
  };
  const claim = (keys: string[]) => {
    const fresh = keys.filter((k) => !seen.has(k));
    for (const k of fresh) seen.add(k);
    return fresh;
  };
  // Users claimed before the first candidates (the tail's, a deep page's cut users) are summed with
  // the first candidates' own statement of each kind: one statement each instead of two. Their rows
  // reach `best` before the loop first compares its k-th row with the bound, as if summed at once.
  const deferred = { inside: [] as string[], outside: [] as string[] };
  const sumInside = async (keys: string[]) => {
    const fresh = [...deferred.inside.splice(0), ...claim(keys)];
    for (let i = 0; i < fresh.length; i += 5000) {
      const chunk = fresh.slice(i, i + 5000);
      keep(await queryRows(db, attributionRowSchema, attributionQuery(projectId, f, groupSources.user, { order: "cost", after: null, limit: null, withoutNone: !withNone, keys: chunk })));
    }
  };
  const subtractOutside = async (keys: string[]) => {
    const fresh = [...deferred.outside.splice(0), ...claim(keys)];
    for (let i = 0; i < fresh.length; i += 5000) {
      const rows = await queryRows(db, attributionRowSchema, outsideRows(projectId, totals, f, fresh.slice(i, i + 5000)));
      for (const r of rows) sides.set(r.key, "outside");
      keep(rows);
    }
  };
  const defer = (side: "inside" | "outside", keys: string[]) => void deferred[side].push(...claim(keys));
  const totals = await totalsFor(db, projectId, f);
  const tail = await queryRows(db, z.object({ user_id: z.string() }), sql`
    SELECT DISTINCT e.user_id FROM ${unfoldedEvents()} WHERE ${rawConditions(projectId, f, { from: f.from ?? null, to: f.to ?? null })} AND e.user_id IS NOT NULL`);
  defer("inside", [...(withNone ? [""] : []), ...tail.map((r) => r.user_id)]);
  // Totals ahead of the window's start: every user with folded events between the window's start
  // and the anchor (those with unfolded events are the tail's), with their cost there (aheadCosts).
  // Their window is their row plus that part: until it is found (settle: when their row is read, or
  // when that part could lift them past the k-th), they stay pending, and the reading below stops
  // only when neither the rows left nor they can pass the k-th.
  const ahead = isAhead(totals, f);
  const pending = new Map<string, bigint>();
  const readPending: string[] = []; // pending users whose row was read
  if (ahead) for (const b of await queryRows(db, boundRow, aheadCosts(projectId, totals, f))) if (!seen.has(b.key)) pending.set(b.key, picos(b.cost));
  const settle = async (keys: string[]) => {
    const fresh = claim(keys.filter((k) => pending.delete(k)));
    for (let i = 0; i < fresh.length && ahead; i += 5000) {
      const rows = await queryRows(db, attributionRowSchema, aheadRows(projectId, totals, f, fresh.slice(i, i + 5000)));
      for (const r of rows) sides.set(r.key, "ahead");
      keep(rows);
    }
  };
  /** Pending users whose bound reaches `least` (all of them when null). */
  const pendingFrom = (least: bigint | null) => [...pending].flatMap(([k, b]) => (least === null || b >= least ? [k] : []));
  const bySide = async (candidates: z.output<typeof totalsRow>[]) => {
    const direct: AttributionRow[] = [];
    const outside: string[] = [];
    const inside: string[] = [];
    for (const { side, ...row } of candidates) {
      if (seen.has(row.key)) continue;
      if (pending.has(row.key)) readPending.push(row.key);
      else if (side === "whole") {
        seen.add(row.key);
        sides.set(row.key, "whole");
        direct.push(row);
      } else (side === "outside" ? outside : inside).push(row.key);
    }
    keep(direct);
    await subtractOutside(outside);
    await sumInside(inside);
  };
  let position: { cost: string; key: string } | null = null;
  let setAside = 0; // users before the cursor the window cuts, known to stay before it without summing
  if (after) {
    // Users before the cursor in all-time order whose window holds less than all their events.
    // (Ahead totals cut nobody: every row's events are in the window.)
    if ((f.from || f.to) && !ahead) {
      const cut = await queryRows(db, cutRow, cutBeforeCursor(projectId, totals, f, after, [...seen]));
      setAside = Number(cut.find((r) => r.key === null)?.set_aside ?? 0);
      const keysOf = (side: "outside" | "inside") => cut.flatMap((r) => (r.key !== null && r.side === side ? [r.key] : []));
      defer("outside", keysOf("outside"));
      defer("inside", keysOf("inside"));
    }
    position = { cost: after[0], key: after[1] };
  }
  let chunk = Math.max(100, limit + 20);
  for (;;) {
    // The bare `cost_usd <=` is what lets the index scan start at the position (the OR alone is a filter).
    const bound: SQL = position
      ? sql`t.cost_usd <= ${position.cost}::numeric AND (t.cost_usd < ${position.cost}::numeric OR t.user_id > ${position.key})`
      : sql`true`;
    const candidates = await queryRows(db, totalsRow, totalsRows(totals, f, bound, chunk));
    const last = candidates[candidates.length - 1];
    if (!last) {
      await bySide([]); // what was deferred
      break;
    }
    await bySide(candidates);
    position = { cost: last.cost, key: last.key };
    // Pending users whose row was read are settled with the others below, in one statement — or
    // now, when the k-th is not found without them.
    if (!best[limit - 1]) await settle(readPending.splice(0));
    const kth = best[limit - 1];
    if (kth && costOf(kth) > picos(last.cost)) {
      // A pending user's row not read yet costs at most the last one read (or is before the cursor,
      // and so are they): those whose part before the anchor makes up the difference are settled —
      // at once when they are few, else once more rows are read (each lowers their reach).
      const reach = pendingFrom(costOf(kth) - picos(last.cost));
      if (reach.length <= settleAtOnce || candidates.length < chunk) {
        await settle([...readPending.splice(0), ...reach]);
        break;
      }
    } else if (candidates.length < chunk) break;
    chunk = Math.min(chunk * 2, 5000);
  }
  // Every row read (or none left after the cursor): the pending users' rows, if any, are before the
  // cursor (then so are they) — what they have left is their part before the anchor.
  // (With those whose row was read, in one statement: a k-th found before them is at most the true one.)
  if (pending.size > 0) {
    const kth = best[limit - 1];
    await settle([...readPending.splice(0), ...pendingFrom(kth ? costOf(kth) : null)]);
  }
  const onPage = new Set(best.map((r) => r.key));
  return { rows: best, sides: new Map([...sides].filter(([k]) => onPage.has(k))), setAside };
}

/**
 * Rows of attributionQuery over users as items, with each user's costliest feature and model:
 * from user_mix_totals for users read from a totals row (`sides`: whole, minus their folded
 * events outside the window, or ahead; none has an unfolded event in the window) when that is the smaller side (mixCheaper) — at once from
 * user_mix_totals_top_idx when their whole folded history is in the window — else from their
 * events in the window.
 */
export async function userItems(db: DbOrTx, projectId: string, f: Filters, page: AttributionRow[], sides: Map<string, Side> = new Map()): Promise<UserItem[]> {
  const { mix, tops } = await mixCheaper(db, projectId, f, page.filter((r) => sides.has(r.key)));
  const [fromMix, fromEvents] = await Promise.all([
    costliestFromTotals(db, projectId, f, [...mix].filter((k) => !tops.has(k))),
    costliest(db, projectId, f, page.flatMap((r) => (mix.has(r.key) ? [] : [r.key]))),
  ]);
  const top = new Map([...fromEvents, ...fromMix, ...tops]);
  return page.map((r) => ({
    userId: r.key,
    ...toMetrics(r),
    firstSeen: r.first_seen ?? "",
    lastSeen: r.last_seen ?? "",
    topFeature: top.get(r.key)?.feature ?? null,
    topModel: top.get(r.key)?.model ?? null,
  }));
}

type Top = { feature: string | null; model: string | null };
const mixCheaperRow = z.object({ user_id: z.string(), calls: int8, whole: z.boolean(), feature: z.string().nullable(), model: z.string().nullable() });

/**
 * Of the users read from a totals row (`rows`, with their window's figures), those whose costliest
 * feature and model are read from user_mix_totals (`mix`):
 * - every user whose folded history lies whole in the window (all-time first and last seen from
 *   user_totals): nothing to subtract, so each kind's costliest is the first entry of its range of
 *   user_mix_totals_top_idx, read here (`tops`: cost desc, then the name, among values with calls —
 *   what costliestFromTotals finds with nothing outside);
 * - the others with no more calls outside than inside (all-time calls from user_totals), read by
 *   costliestFromTotals. The rest, such as a customer of years who is active this month
 *   (thousands of calls before a 30-day window), are read from their calls in the window, so the
 *   work is bounded by the window either way. Exact every way.
 */
async function mixCheaper(db: DbOrTx, projectId: string, f: Filters, rows: AttributionRow[]): Promise<{ mix: Set<string>; tops: Map<string, Top> }> {
  const tops = new Map<string, Top>();
  if (rows.length === 0) return { mix: new Set(), tops };
  const whole = sql.join([sql`true`, ...(f.from ? [sql`t.first_seen >= ${iso(f.from)}::timestamptz`] : []), ...(f.to ? [sql`t.last_seen < ${iso(f.to)}::timestamptz`] : [])], sql` AND `);
  const first = (kind: "feature" | "model") => sql`CASE WHEN w.whole THEN (SELECT m.value FROM user_mix_totals m
    WHERE m.project_id = t.project_id AND m.user_id = t.user_id AND m.kind = ${kind} AND m.calls > 0
    ORDER BY m.cost_usd DESC, m.value LIMIT 1) END`;
  const found = await queryRows(db, mixCheaperRow, sql`
    SELECT t.user_id, t.calls, w.whole, ${first("feature")} AS feature, ${first("model")} AS model
    FROM user_totals t CROSS JOIN LATERAL (SELECT ${whole} AS whole) w
    WHERE t.project_id = ${projectId} AND t.user_id = ANY(${keysArray(rows.map((r) => r.key))})`);
  const mix = new Set<string>();
  const windowCalls = new Map(rows.map((r) => [r.key, Number(r.calls)]));
  for (const r of found) {
    const inside = windowCalls.get(r.user_id) ?? 0;
    if (r.whole) tops.set(r.user_id, { feature: r.feature === "" ? null : r.feature, model: r.model });
    if (r.whole || Number(r.calls) - inside <= inside) mix.add(r.user_id);
  }
  return { mix, tops };
}

const mixRow = z.object({ user_id: z.string(), kind: z.string(), value: z.string() });

/**
 * The costliest feature and model in the window of users with no unfolded event, from
 * user_mix_totals minus their folded events outside the window (none for whole-history users);
 * a feature or model with no call left in the window is not a candidate. Same ties as costliest.
 * The events outside are grouped by (user, feature, model) before each group is split into its
 * feature and model: a user with a long history has thousands of calls before a 30-day window and
 * a few dozen such groups, so the split and the second grouping see the groups, not the calls.
 */
async function costliestFromTotals(db: DbOrTx, projectId: string, f: Filters, users: string[]) {
  const out = new Map<string, { feature: string | null; model: string | null }>();
  if (users.length === 0) return out;
  const rows = await queryRows(db, mixRow, sql`
    WITH fm AS (
      SELECT e.user_id, e.feature, e.model, count(*) AS calls, coalesce(sum(e.cost_usd), 0) AS cost
      FROM cost_events e, rollup_fold_state fs
      WHERE e.project_id = ${projectId} AND e.user_id = ANY(${keysArray(users)}) AND ${outsideWindow(f)} AND fs.id = 1 AND ${FOLDED_E}
      GROUP BY 1, 2, 3
    ),
    o AS (SELECT fm.user_id, k.kind, k.value, sum(fm.calls) AS calls, sum(fm.cost) AS cost FROM fm CROSS JOIN LATERAL ${sql.raw(USER_MIX_SQL("fm"))} GROUP BY 1, 2, 3)
    SELECT DISTINCT ON (m.user_id, m.kind) m.user_id, m.kind, m.value
    FROM user_mix_totals m LEFT JOIN o ON o.user_id = m.user_id AND o.kind = m.kind AND o.value = m.value
    WHERE m.project_id = ${projectId} AND m.user_id = ANY(${keysArray(users)}) AND m.calls > coalesce(o.calls, 0)
    ORDER BY m.user_id, m.kind, m.cost_usd - coalesce(o.cost, 0) DESC, m.value`);
  for (const r of rows) {
    const cur = out.get(r.user_id) ?? { feature: null, model: null };
    if (r.kind === "feature") cur.feature = r.value === "" ? null : r.value;
    else cur.model = r.value;
    out.set(r.user_id, cur);
  }
  return out;
}

const topRow = z.object({ user_id: z.string(), feature: z.string().nullable(), model: z.string().nullable() });

/** The costliest feature and model of each user on a page (a range of cost_events_user_idx each). */
async function costliest(db: DbOrTx, projectId: string, f: Filters, users: string[]) {
  const out = new Map<string, { feature: string | null; model: string | null }>();
  if (users.length === 0) return out;
  const where = sql`${rawConditions(projectId, f, { from: f.from ?? null, to: f.to ?? null })}
    AND e.user_id = ANY(${keysArray(users)})`;
  const rows = await queryRows(db, topRow, sql`
    WITH g AS (SELECT e.user_id, e.feature, e.model, coalesce(sum(e.cost_usd), 0) AS cost FROM cost_events e WHERE ${where}
      GROUP BY e.user_id, e.feature, e.model),
    f AS (SELECT DISTINCT ON (user_id) user_id, feature FROM (SELECT user_id, feature, sum(cost) AS c FROM g GROUP BY 1, 2) x ORDER BY user_id, c DESC, feature),
    m AS (SELECT DISTINCT ON (user_id) user_id, model FROM (SELECT user_id, model, sum(cost) AS c FROM g GROUP BY 1, 2) x ORDER BY user_id, c DESC, model)
    SELECT f.user_id, nullif(f.feature, '') AS feature, m.model FROM f JOIN m USING (user_id)`);
  for (const r of rows) out.set(r.user_id, { feature: r.feature, model: r.model });
  return out;
}
