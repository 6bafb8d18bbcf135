import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "~/server/db";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { queryRows } from "~/server/db/query";
import { metadataKeyOf, NONE_KEY, type BreakdownBy, type BreakdownInput, type UserOrder, type UsersInput } from "../attribution-schemas";
import { filterFingerprint, type Filters, type ListInput } from "../schemas";
import { attributionColumns, attributionParts, attributionRowSchema, groupSources, type AttributionRow, type GroupSource } from "./attribution-sql";
import { isPromoted } from "./promoted-keys";
import { toMetrics, type Metrics } from "./usage-sql";
import { parseUsdToPicos } from "~/lib/money";
import { unfoldedEvents } from "~/server/rollups/tail";
import { rawConditions, rollupCanAnswer } from "./window";

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
  const rows = boundedUsers
    ? await topUsersByCost(db, projectId, input, after, input.limit + 1)
    : await queryRows(db, attributionRowSchema, attributionQuery(projectId, input, src, { order, after, limit: input.limit + 1, withoutNone }));
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [ORDERS[order].pick(last), last.key]) : null;
  return { page, nextCursor };
}

/** breakdown.list: one aggregate list by any dimension, by cost desc; "(none)" for events without it. */
export async function listBreakdown(db: Db, secret: Buffer, projectId: string, input: BreakdownInput) {
  const src = await sourceFor(db, projectId, input.by);
  const { page, nextCursor } = await pageOf(db, secret, projectId, input, "breakdown", { by: input.by }, src, "cost", false);
  return { items: page.map(toBreakdownItem), nextCursor };
}

export type UserItem = Metrics & { userId: string; firstSeen: string; lastSeen: string; topFeature: string | null; topModel: string | null };

/** users.list: per end user (events without one are left out), by cost, calls or last seen. */
export async function listUsers(db: Db, secret: Buffer, projectId: string, input: UsersInput) {
  const bounded = input.orderBy === "cost" && rollupCanAnswer(input) && input.feature === undefined && input.model === undefined && input.provider === undefined;
  const { page, nextCursor } = await pageOf(db, secret, projectId, input, "users", { orderBy: input.orderBy }, groupSources.user, input.orderBy, true, bounded);
  return { items: await userItems(db, projectId, input, page), nextCursor };
}

const candidateRow = z.object({ user_id: z.string(), cost: z.string() });

/**
 * The users list by cost, first to `limit`, without grouping every user of the window: users are
 * read in order of their all-time cost (user_totals, maintained by the fold), which bounds their
 * cost in any window (costs are never negative), and each batch is summed exactly for the window
 * (attribution rollups + unfolded tail + raw edges, by key). Reading stops once the `limit`-th
 * best window cost found is above the bound of every user not read yet. Users in the unfolded
 * tail (not in user_totals yet, or with more than their folded total) are summed first. The same
 * rows and order as attributionQuery. Only for windows the rollups answer without other filters.
 */
export async function topUsersByCost(db: DbOrTx, projectId: string, f: Filters, after: [string, string] | null, limit: number): Promise<AttributionRow[]> {
  const picos = (cost: string) => parseUsdToPicos(cost);
  const afterPicos = after ? picos(after[0]) : null;
  const qualifies = (r: AttributionRow) =>
    r.key !== "" && (after === null || afterPicos === null || picos(r.cost) < afterPicos || (picos(r.cost) === afterPicos && r.key > after[1]));
  const byRank = (a: AttributionRow, b: AttributionRow) => {
    const d = picos(b.cost) - picos(a.cost);
    return d !== 0n ? (d > 0n ? 1 : -1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  };
  let best: AttributionRow[] = [];
  const seen = new Set<string>();
  const evaluate = async (keys: string[]) => {
    const fresh = keys.filter((k) => !seen.has(k));
    for (const k of fresh) seen.add(k);
    if (fresh.length === 0) return;
    const rows = await queryRows(db, attributionRowSchema, attributionQuery(projectId, f, groupSources.user, { order: "cost", after: null, limit: null, withoutNone: true, keys: fresh }));
    best = [...best, ...rows.filter(qualifies)].sort(byRank).slice(0, limit);
  };
  const tail = await queryRows(db, z.object({ user_id: z.string() }), sql`
    SELECT DISTINCT e.user_id FROM ${unfoldedEvents()} WHERE ${rawConditions(projectId, f, { from: f.from ?? null, to: f.to ?? null })} AND e.user_id IS NOT NULL`);
  await evaluate(tail.map((r) => r.user_id));
  let chunk = Math.max(100, limit * 2);
  let position: { cost: string; key: string } | null = null;
  for (;;) {
    const bound: SQL = position ? sql` AND (t.cost_usd < ${position.cost}::numeric OR (t.cost_usd = ${position.cost}::numeric AND t.user_id > ${position.key}))` : sql``;
    const candidates: { user_id: string; cost: string }[] = await queryRows(db, candidateRow, sql`
      SELECT t.user_id, t.cost_usd::text AS cost FROM user_totals t
      WHERE t.project_id = ${projectId}${bound} ORDER BY t.cost_usd DESC, t.user_id LIMIT ${chunk}`);
    const last: { user_id: string; cost: string } | undefined = candidates[candidates.length - 1];
    if (!last) return best;
    await evaluate(candidates.map((c) => c.user_id));
    position = { cost: last.cost, key: last.user_id };
    const kth = best[limit - 1];
    if ((kth && picos(kth.cost) > picos(last.cost)) || candidates.length < chunk) return best;
    chunk = Math.min(chunk * 2, 5000);
  }
}

/** Rows of attributionQuery over users as items, with each user's costliest feature and model. */
export async function userItems(db: DbOrTx, projectId: string, f: Filters, page: AttributionRow[]): Promise<UserItem[]> {
  const top = await costliest(db, projectId, f, page.map((r) => r.key));
  return page.map((r) => ({
    userId: r.key,
    ...toMetrics(r),
    firstSeen: r.first_seen ?? "",
    lastSeen: r.last_seen ?? "",
    topFeature: top.get(r.key)?.feature ?? null,
    topModel: top.get(r.key)?.model ?? null,
  }));
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
