import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "~/server/db";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { queryRows } from "~/server/db/query";
import { metadataKeyOf, NONE_KEY, type BreakdownBy, type BreakdownInput, type UserOrder, type UsersInput } from "../attribution-schemas";
import { filterFingerprint, type Filters, type ListInput } from "../schemas";
import { DIMENSION_KEYS } from "~/lib/list-filters";
import { attributionColumns, attributionParts, attributionRowSchema, groupSources, type AttributionRow, type GroupSource } from "./attribution-sql";
import { isPromoted } from "./promoted-keys";
import { toMetrics, type Metrics } from "./usage-sql";
import { parseUsdToPicos } from "~/lib/money";
import { unfoldedEvents } from "~/server/rollups/tail";
import { rawConditions } from "./window";

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
  db: Db,
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
  return { page, nextCursor, wholeHistory: top?.wholeHistory ?? new Set<string>() };
}

/** The users by cost can be read in all-time cost order (topUsersByCost): a window and no other filter. */
function usersByCostBounded(f: Filters): boolean {
  return DIMENSION_KEYS.every((k) => f[k] === undefined);
}

/** breakdown.list: one aggregate list by any dimension, by cost desc; "(none)" for events without it. */
export async function listBreakdown(db: Db, secret: Buffer, projectId: string, input: BreakdownInput) {
  const src = await sourceFor(db, projectId, input.by);
  const bounded = input.by === "user" && usersByCostBounded(input);
  const { page, nextCursor } = await pageOf(db, secret, projectId, input, "breakdown", { by: input.by }, src, "cost", false, bounded);
  return { items: page.map(toBreakdownItem), nextCursor };
}

export type UserItem = Metrics & { userId: string; firstSeen: string; lastSeen: string; topFeature: string | null; topModel: string | null };

/** users.list: per end user (events without one are left out), by cost, calls or last seen. */
export async function listUsers(db: Db, secret: Buffer, projectId: string, input: UsersInput) {
  const bounded = input.orderBy === "cost" && usersByCostBounded(input);
  const { page, nextCursor, wholeHistory } = await pageOf(db, secret, projectId, input, "users", { orderBy: input.orderBy }, groupSources.user, input.orderBy, true, bounded);
  return { items: await userItems(db, projectId, input, page, wholeHistory), nextCursor };
}

const totalsRow = attributionRowSchema.extend({ whole: z.boolean() });
const TS_TEXT = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** user_totals rows as attribution rows (same text forms as attributionColumns), `whole`: every event of the user is in the window. */
function totalsRows(projectId: string, f: Filters, where: SQL, limit: number | null): SQL {
  const whole = sql.join(
    [sql`true`, ...(f.from ? [sql`t.first_seen >= ${f.from.toISOString()}::timestamptz`] : []), ...(f.to ? [sql`t.last_seen < ${f.to.toISOString()}::timestamptz`] : [])],
    sql` AND `,
  );
  return sql`SELECT t.user_id AS key, t.calls::text AS calls, t.errors::text AS errors, t.unpriced_calls::text AS unpriced,
      t.input_tokens::text AS input_tokens, t.output_tokens::text AS output_tokens, t.cached_input_tokens::text AS cached_input_tokens,
      t.cache_write_tokens::text AS cache_write_tokens, t.reasoning_tokens::text AS reasoning_tokens, t.cost_usd AS cost,
      t.latency_count::text AS lat_n, t.latency_sum_ms::text AS lat_sum, ${TS_TEXT("t.first_seen")} AS first_seen, ${TS_TEXT("t.last_seen")} AS last_seen,
      (${whole}) AS whole
    FROM user_totals t WHERE t.project_id = ${projectId} AND ${where}
    ORDER BY t.cost_usd DESC, t.user_id${limit === null ? sql`` : sql` LIMIT ${limit}`}`;
}

/**
 * The users list by cost (breakdown by user: `withNone`, the "(none)" group too), `limit` rows
 * after `after`, without grouping every user of the window. Users are read in order of their
 * all-time cost (user_totals, maintained by the fold), which bounds their cost in any window
 * (costs are never negative). A user whose folded events all lie in the window (first_seen >=
 * from, last_seen < to) and who has none unfolded is answered by that row itself — exact, no
 * rollup read (`wholeHistory`); any other user is summed exactly for the window (attribution
 * rollups + unfolded tail + raw edges, by key). Reading stops once the `limit`-th best window cost
 * found is above the bound of every user not read yet. A deep page starts reading at the cursor's
 * place in that order: a whole-history user before it costs more than the cursor in the window
 * too, so only the others before it are summed (user_totals_first_seen_idx finds those that began
 * before the window). The same rows and order as attributionQuery. Only for a window without
 * other filters.
 */
export async function topUsersByCost(
  db: DbOrTx,
  projectId: string,
  f: Filters,
  after: [string, string] | null,
  limit: number,
  { withNone = false }: { withNone?: boolean } = {},
): Promise<{ rows: AttributionRow[]; wholeHistory: Set<string> }> {
  const picos = (cost: string) => parseUsdToPicos(cost);
  const afterPicos = after ? picos(after[0]) : null;
  const qualifies = (r: AttributionRow) =>
    (withNone || r.key !== "") && (after === null || afterPicos === null || picos(r.cost) < afterPicos || (picos(r.cost) === afterPicos && r.key > after[1]));
  const byRank = (a: AttributionRow, b: AttributionRow) => {
    const d = picos(b.cost) - picos(a.cost);
    return d !== 0n ? (d > 0n ? 1 : -1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  };
  let best: AttributionRow[] = [];
  const seen = new Set<string>();
  const wholeHistory = new Set<string>();
  const keep = (rows: AttributionRow[]) => {
    best = [...best, ...rows.filter(qualifies)].sort(byRank).slice(0, limit);
  };
  const evaluate = async (keys: string[]) => {
    const fresh = keys.filter((k) => !seen.has(k));
    for (const k of fresh) seen.add(k);
    for (let i = 0; i < fresh.length; i += 5000) {
      const chunk = fresh.slice(i, i + 5000);
      keep(await queryRows(db, attributionRowSchema, attributionQuery(projectId, f, groupSources.user, { order: "cost", after: null, limit: null, withoutNone: !withNone, keys: chunk })));
    }
  };
  const tail = await queryRows(db, z.object({ user_id: z.string() }), sql`
    SELECT DISTINCT e.user_id FROM ${unfoldedEvents()} WHERE ${rawConditions(projectId, f, { from: f.from ?? null, to: f.to ?? null })} AND e.user_id IS NOT NULL`);
  await evaluate([...(withNone ? [""] : []), ...tail.map((r) => r.user_id)]);
  let position: { cost: string; key: string } | null = null;
  if (after) {
    // Users before the cursor in all-time order whose window may hold less than all their events.
    const partial = sql.join([...(f.from ? [sql`t.first_seen < ${f.from.toISOString()}::timestamptz`] : []), ...(f.to ? [sql`t.last_seen >= ${f.to.toISOString()}::timestamptz`] : [])], sql` OR `);
    if (f.from || f.to) {
      const before = await queryRows(db, z.object({ user_id: z.string() }), sql`
        SELECT t.user_id FROM user_totals t WHERE t.project_id = ${projectId} AND (${partial})
          AND (t.cost_usd > ${after[0]}::numeric OR (t.cost_usd = ${after[0]}::numeric AND t.user_id <= ${after[1]}))`);
      await evaluate(before.map((r) => r.user_id));
    }
    position = { cost: after[0], key: after[1] };
  }
  let chunk = Math.max(100, limit + 20);
  for (;;) {
    const bound: SQL = position ? sql`(t.cost_usd < ${position.cost}::numeric OR (t.cost_usd = ${position.cost}::numeric AND t.user_id > ${position.key}))` : sql`true`;
    const candidates = await queryRows(db, totalsRow, totalsRows(projectId, f, bound, chunk));
    const last = candidates[candidates.length - 1];
    if (!last) break;
    const direct: AttributionRow[] = [];
    const toSum: string[] = [];
    for (const { whole, ...row } of candidates) {
      if (seen.has(row.key)) continue;
      if (whole) {
        seen.add(row.key);
        wholeHistory.add(row.key);
        direct.push(row);
      } else toSum.push(row.key);
    }
    keep(direct);
    await evaluate(toSum);
    position = { cost: last.cost, key: last.key };
    const kth = best[limit - 1];
    if ((kth && picos(kth.cost) > picos(last.cost)) || candidates.length < chunk) break;
    chunk = Math.min(chunk * 2, 5000);
  }
  return { rows: best, wholeHistory: new Set(best.filter((r) => wholeHistory.has(r.key)).map((r) => r.key)) };
}

/**
 * Rows of attributionQuery over users as items, with each user's costliest feature and model:
 * from user_mix_totals for `wholeHistory` users (every event of theirs is in the window), else
 * from their events in the window.
 */
export async function userItems(db: DbOrTx, projectId: string, f: Filters, page: AttributionRow[], wholeHistory: Set<string> = new Set()): Promise<UserItem[]> {
  const keys = page.map((r) => r.key);
  const [fromMix, fromEvents] = await Promise.all([
    costliestFromTotals(db, projectId, keys.filter((k) => wholeHistory.has(k))),
    costliest(db, projectId, f, keys.filter((k) => !wholeHistory.has(k))),
  ]);
  const top = new Map([...fromEvents, ...fromMix]);
  return page.map((r) => ({
    userId: r.key,
    ...toMetrics(r),
    firstSeen: r.first_seen ?? "",
    lastSeen: r.last_seen ?? "",
    topFeature: top.get(r.key)?.feature ?? null,
    topModel: top.get(r.key)?.model ?? null,
  }));
}

const mixRow = z.object({ user_id: z.string(), kind: z.string(), value: z.string() });

/** The costliest feature and model of users all of whose events are folded and in the window (same ties as costliest). */
async function costliestFromTotals(db: DbOrTx, projectId: string, users: string[]) {
  const out = new Map<string, { feature: string | null; model: string | null }>();
  if (users.length === 0) return out;
  const rows = await queryRows(db, mixRow, sql`
    SELECT DISTINCT ON (m.user_id, m.kind) m.user_id, m.kind, m.value FROM user_mix_totals m
    WHERE m.project_id = ${projectId} AND m.user_id IN (${sql.join(users.map((u) => sql`${u}`), sql`, `)})
    ORDER BY m.user_id, m.kind, m.cost_usd DESC, m.value`);
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
    AND e.user_id IN (${sql.join(users.map((u) => sql`${u}`), sql`, `)})`;
  const rows = await queryRows(db, topRow, sql`
    WITH g AS (SELECT e.user_id, e.feature, e.model, coalesce(sum(e.cost_usd), 0) AS cost FROM cost_events e WHERE ${where}
      GROUP BY e.user_id, e.feature, e.model),
    f AS (SELECT DISTINCT ON (user_id) user_id, feature FROM (SELECT user_id, feature, sum(cost) AS c FROM g GROUP BY 1, 2) x ORDER BY user_id, c DESC, feature),
    m AS (SELECT DISTINCT ON (user_id) user_id, model FROM (SELECT user_id, model, sum(cost) AS c FROM g GROUP BY 1, 2) x ORDER BY user_id, c DESC, model)
    SELECT f.user_id, nullif(f.feature, '') AS feature, m.model FROM f JOIN m USING (user_id)`);
  for (const r of rows) out.set(r.user_id, { feature: r.feature, model: r.model });
  return out;
}
