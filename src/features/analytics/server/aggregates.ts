import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { queryRows } from "~/server/db/query";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { filterFingerprint, type Filters, type ListInput } from "../schemas";
import { percentileFromBuckets } from "./percentile";
import { latencyHistograms, type Histogram } from "./latency";
import { dims, metricsColumns, metricsRowSchema, nonEmpty, toMetrics, usageParts, type Dim, type Metrics } from "./usage-sql";

export type AggregateKind = "features" | "models";
export type AggregateItem = Metrics & { feature?: string | null; model?: string; provider?: string; p95LatencyMs: number | null };

const groupDims: Record<AggregateKind, Dim[]> = {
  features: [dims.feature],
  models: [dims.provider, dims.model],
};

// Cursor key: the last row's exact cost and its group values (cost desc, group asc is unique).
const keySchema = z.tuple([z.string().regex(/^\d{1,20}(\.\d{1,12})?$/), z.array(z.string().max(200)).min(1).max(2)]);

type AggregateKey = [string, string[]];

/**
 * Groups in the window by cost desc (group values asc breaks ties): rollups for whole hours, raw
 * rows at the edges. `after` and `limit` page it for the lists; the export streams it whole.
 */
export function aggregatesQuery(projectId: string, kind: AggregateKind, f: Filters, after: AggregateKey | null, limit: number | null): SQL {
  const ds = groupDims[kind];
  const names = sql.join(ds.map((d) => sql.identifier(d.as)), sql`, `);
  let keyset = sql``;
  if (after) {
    if (after[1].length !== ds.length) throw new Error("cursor key arity checked by scope");
    const tuple = sql.join(after[1].map((v) => sql`${v}`), sql`, `);
    keyset = sql` WHERE (cost < ${after[0]}::numeric OR (cost = ${after[0]}::numeric AND (${names}) > (${tuple})))`;
  }
  return sql`
    WITH p AS (${usageParts(projectId, f, ds, { subtract: true })}),
    a AS (SELECT ${names}, ${metricsColumns()} FROM p GROUP BY ${names}${nonEmpty})
    SELECT * FROM a${keyset}
    ORDER BY a.cost DESC, ${names}${limit === null ? sql`` : sql`
    LIMIT ${limit}`}`;
}

// The metrics plus the group's columns (named by their Dim), all text.
const aggregateRowSchema = metricsRowSchema.catchall(z.string());
export type AggregateRow = z.output<typeof aggregateRowSchema>;

/**
 * Rows of aggregatesQuery as items, with the p95 of each group (one histogram query for them all,
 * unless `histograms` already holds every group's).
 */
export async function aggregateItems(
  db: Db,
  projectId: string,
  kind: AggregateKind,
  f: Filters,
  page: AggregateRow[],
  histograms?: Map<string, Histogram>,
): Promise<AggregateItem[]> {
  const ds = groupDims[kind];
  const hist = histograms ?? (await latencyHistograms(db, projectId, f, ds, page.map((r) => ds.map((d) => r[d.as] ?? ""))));
  return page.map((r) => {
    const key = ds.map((d) => r[d.as] ?? "");
    const group: Partial<AggregateItem> =
      kind === "features" ? { feature: key[0] === "" ? null : key[0] } : { provider: key[0], model: key[1] };
    return { ...group, ...toMetrics(r), p95LatencyMs: percentileFromBuckets(hist.get(JSON.stringify(key)) ?? new Map<number, number>(), 95) };
  });
}

/**
 * Projects (and kinds) whose last first page held every group: their next first page reads every
 * group's histogram at the same time as the page (two statements on two connections, not one after
 * the other). Only the cost depends on this guess — a histogram of every group holds the page's.
 * Bounded: the oldest entry goes first.
 */
const fewGroups = new Map<string, boolean>();
const FEW_GROUPS_MAX_ENTRIES = 10_000;

function rememberGroups(key: string, few: boolean) {
  fewGroups.delete(key);
  fewGroups.set(key, few);
  const oldest = fewGroups.keys().next();
  if (fewGroups.size > FEW_GROUPS_MAX_ENTRIES && !oldest.done) fewGroups.delete(oldest.value);
}

/** Aggregates in the window by cost desc; reads rollups for whole hours, raw rows at the edges. */
export async function listAggregates(db: Db, secret: Buffer, projectId: string, kind: AggregateKind, input: ListInput) {
  const ds = groupDims[kind];
  const scope: CursorScope = { list: kind, projectId, fingerprint: filterFingerprint(input) };
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const groupsKey = `${projectId}:${kind}`;
  const speculate = after === null && fewGroups.get(groupsKey) === true;
  const [rows, histograms] = await Promise.all([
    queryRows(db, aggregateRowSchema, aggregatesQuery(projectId, kind, input, after, input.limit + 1)),
    speculate ? latencyHistograms(db, projectId, input, ds) : undefined,
  ]);
  if (after === null) rememberGroups(groupsKey, rows.length <= input.limit);
  const page = rows.slice(0, input.limit);
  const items = await aggregateItems(db, projectId, kind, input, page, histograms);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > input.limit && last ? encodeCursor(secret, scope, [last.cost, ds.map((d) => last[d.as] ?? "")]) : null;
  return { items, nextCursor };
}
