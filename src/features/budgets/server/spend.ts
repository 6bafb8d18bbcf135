import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { attributionParts, groupSources, isPromoted, type GroupSource } from "~/features/analytics/server";
import type { Filters } from "~/lib/list-filters";
import type { DbOrTx } from "~/server/db";
import { queryRows, ZERO_USD } from "~/server/db/query";
import { parseUsdToPicos } from "~/lib/money";
import type { BudgetScope } from "../schemas";
import { cachedClosedSpend, storeClosedSpend } from "./spend-cache";

/*
 * Spend per budget scope for one period, read like every figure in the app: whole days and hours
 * from the rollups (usage_* for project, feature, model, provider; attribution_* for user, tag and
 * promoted metadata keys), the partial hours at the edges and the events not folded yet from
 * cost_events (attributionParts). Sums stay numeric in PostgreSQL and leave it as text.
 */

/** Where a scope's spend is grouped: a group source and the key within it (null source = the whole project). */
export type SpendSource = { id: string; group: GroupSource | null; filterable: "userId" | null };

export async function sourceOf(db: DbOrTx, projectId: string, scope: BudgetScope): Promise<SpendSource> {
  switch (scope.kind) {
    case "project":
      return { id: "project", group: null, filterable: null };
    case "feature":
    case "model":
    case "provider":
    case "tag":
      return { id: scope.kind, group: groupSources[scope.kind], filterable: null };
    case "user":
    case "each_user":
      return { id: "user", group: groupSources.user, filterable: "userId" };
    case "metadata": {
      const promoted = await isPromoted(db, projectId, scope.key);
      return { id: `meta:${scope.key}`, group: groupSources.metadata(scope.key, promoted), filterable: null };
    }
  }
}

/** The key a budget's spend is found under in its source ('' for the project total). */
export function keyOf(scope: BudgetScope): string | null {
  if (scope.kind === "project") return "";
  if (scope.kind === "each_user") return null;
  return scope.value;
}

const spendRow = z.object({ key: z.string(), cost: z.string() });
const keyList = (keys: string[]) => sql`(SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`;

// Per-user lookups through cost_events_user_idx beat grouping every user of the period when few.
const FEW_USERS = 20;

/**
 * Spend in [from, to) per key of `source`: for `keys` (missing keys spent 0), or — keys null —
 * every key except "none" whose spend is at least `atLeast` (the each-user template).
 */
export async function spendByKey(
  db: DbOrTx,
  projectId: string,
  range: { from: Date; to: Date },
  source: SpendSource,
  keys: string[] | null,
  atLeast: string | null = null,
): Promise<Map<string, string>> {
  const out = new Map<string, string>((keys ?? []).map((k) => [k, "0"]));
  const f: Filters = { from: range.from, to: range.to };
  if (source.group === null) {
    const rows = await queryRows(db, spendRow, sql`SELECT '' AS key, coalesce(sum(cost), ${ZERO_USD})::text AS cost FROM (${attributionParts(projectId, f, groupSources.provider)}) p`);
    for (const r of rows) out.set(r.key, r.cost);
    return out;
  }
  if (keys !== null && keys.length === 0) return out;
  if (keys !== null && source.filterable === "userId" && keys.length <= FEW_USERS) {
    for (const userId of keys) {
      const rows = await queryRows(db, spendRow, sql`SELECT ${userId}::text AS key, coalesce(sum(cost), ${ZERO_USD})::text AS cost
        FROM (${attributionParts(projectId, { ...f, userId }, source.group)}) p`);
      for (const r of rows) out.set(r.key, r.cost);
    }
    return out;
  }
  const where: SQL = keys === null ? sql`key <> ''` : sql`key IN ${keyList(keys)}`;
  const having = atLeast === null ? sql`` : sql` HAVING coalesce(sum(cost), ${ZERO_USD}) >= ${atLeast}::numeric`;
  const rows = await queryRows(db, spendRow, sql`SELECT key, coalesce(sum(cost), ${ZERO_USD})::text AS cost
    FROM (${attributionParts(projectId, f, source.group)}) p WHERE ${where} GROUP BY key${having}`);
  for (const r of rows) out.set(r.key, r.cost);
  return out;
}

const DAY_MS = 86_400_000;

async function allKeys(db: DbOrTx, projectId: string, range: { from: Date; to: Date }, source: SpendSource): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  if (range.from >= range.to) return out;
  const f: Filters = { from: range.from, to: range.to };
  const rows =
    source.group === null
      ? await queryRows(db, spendRow, sql`SELECT '' AS key, coalesce(sum(cost), ${ZERO_USD})::text AS cost FROM (${attributionParts(projectId, f, groupSources.provider)}) p`)
      : await queryRows(db, spendRow, sql`SELECT key, coalesce(sum(cost), ${ZERO_USD})::text AS cost FROM (${attributionParts(projectId, f, source.group)}) p GROUP BY key`);
  for (const r of rows) out.set(r.key, parseUsdToPicos(r.cost));
  return out;
}

/** Spend per key: the cached parts (shared by ticks) plus the fresh part, never copied into one map. */
export type KeySpend = { get: (key: string) => bigint; entries: () => Iterable<[string, bigint]> };

function keySpend(parts: Map<string, bigint>[]): KeySpend {
  const get = (key: string) => {
    let total = 0n;
    for (const p of parts) total += p.get(key) ?? 0n;
    return total;
  };
  return {
    get,
    *entries() {
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as Map<string, bigint>;
        // each key once: where it first appears, summed over every part
        for (const k of part.keys()) if (!parts.slice(0, i).some((earlier) => earlier.has(k))) yield [k, get(k)];
      }
    },
  };
}

const HOUR_MS = 3_600_000;

/** [from, to) from the evaluator's cache, else read and cached under `key`. */
async function cachedKeys(db: DbOrTx, projectId: string, range: { from: Date; to: Date }, source: SpendSource, part: string): Promise<Map<string, bigint>> {
  const cacheKey = `${projectId}|${source.id}|${part}|${range.from.toISOString()}|${range.to.toISOString()}`;
  let spend = cachedClosedSpend(cacheKey);
  if (!spend) {
    spend = await allKeys(db, projectId, range, source);
    storeClosedSpend(cacheKey, spend);
  }
  return spend;
}

/**
 * Spend in [from, to) for every key of `source` (picodollars), for the evaluator: the complete
 * UTC days before today and today's hours up to the one before the current hour come from its
 * cache (spend-cache.ts; each part re-read when its end moves or after 10 minutes), only the last
 * hour or two onwards from the database. An event timestamped in the current or the previous hour
 * counts at the next tick; one stored later than that for an earlier hour within 10 minutes.
 * Apps' status reads everything fresh (spendByKey).
 */
export async function spendAllKeys(db: DbOrTx, projectId: string, range: { from: Date; to: Date }, source: SpendSource, now: Date): Promise<KeySpend> {
  const today = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  const fresh = new Date(Math.max(today.getTime(), Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS));
  if (range.from >= fresh || range.to <= fresh) return keySpend([await allKeys(db, projectId, range, source)]);
  const parts: Map<string, bigint>[] = [];
  if (range.from < today) parts.push(await cachedKeys(db, projectId, { from: range.from, to: today }, source, "days"));
  const hoursFrom = range.from > today ? range.from : today;
  if (hoursFrom < fresh) parts.push(await cachedKeys(db, projectId, { from: hoursFrom, to: fresh }, source, "hours"));
  parts.push(await allKeys(db, projectId, { from: fresh, to: range.to }, source));
  return keySpend(parts);
}
