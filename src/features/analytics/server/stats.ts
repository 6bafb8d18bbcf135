import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { filterFingerprint, type Filters, type TimeseriesInput } from "../schemas";
import { queryRow, queryRows } from "~/server/db/query";
import { NONE_KEY, type BreakdownBy } from "../attribution-schemas";
import { sourceFor } from "./attribution-lists";
import { attributionParts, attributionRowSchema } from "./attribution-sql";
import { percentileFromBuckets } from "./percentile";
import { latencyHistograms } from "./latency";
import { dims, metricsColumns, metricsRowSchema, nonEmpty, toMetrics, usageParts, type Dim, type Metrics } from "./usage-sql";

export type Summary = Metrics & { p95LatencyMs: number | null };

export async function getSummary(db: Db, projectId: string, f: Filters): Promise<Summary> {
  const [row, hist] = await Promise.all([
    queryRow(db, metricsRowSchema, sql`WITH p AS (${usageParts(projectId, f, [], { subtract: true })}) SELECT ${metricsColumns()} FROM p`),
    latencyHistograms(db, projectId, f, []),
  ]);
  if (!row) throw new Error("summary query returned no row");
  return { ...toMetrics(row), p95LatencyMs: percentileFromBuckets(hist.get("[]") ?? new Map<number, number>(), 95) };
}

export type TimeseriesPoint = Metrics & { t: string; group: string | null };

const keySchema = z.tuple([z.string().regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), z.string().max(200)]);

/** Buckets in time order (then group); an infinite query like every list. */
export async function getTimeseries(db: Db, secret: Buffer, projectId: string, input: TimeseriesInput) {
  const groupBy = input.groupBy;
  if (groupBy !== undefined && groupBy !== "feature" && groupBy !== "model") {
    return getAttributionTimeseries(db, secret, projectId, { ...input, groupBy });
  }
  const ds: Dim[] = [dims.bucketTime(input.bucket)];
  if (groupBy) ds.push(dims[groupBy]);
  const scope: CursorScope = {
    list: "timeseries",
    projectId,
    fingerprint: filterFingerprint(input, { bucket: input.bucket, groupBy: groupBy ?? null }),
  };
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const names = sql.join(ds.map((d) => sql.identifier(d.as)), sql`, `);
  const groupExpr = groupBy ? sql.identifier(groupBy) : sql`''::text`;
  const keyset = after
    ? groupBy
      ? sql` WHERE (t, ${groupExpr}) > (${after[0]}::timestamptz, ${after[1]})`
      : sql` WHERE t > ${after[0]}::timestamptz`
    : sql``;
  const order = groupBy ? sql`t, ${groupExpr}` : sql`t`;
  const rows = await queryRows(
    db,
    metricsRowSchema.extend({ t_key: z.string(), g: z.string() }),
    sql`
    WITH p AS (${usageParts(projectId, input, ds, { subtract: true })}),
    a AS (SELECT ${names}, ${metricsColumns()} FROM p GROUP BY ${names}${nonEmpty})
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t_key, ${groupExpr} AS g, a.* FROM a${keyset}
    ORDER BY ${order}
    LIMIT ${input.limit + 1}`,
  );
  const page = rows.slice(0, input.limit);
  const items: TimeseriesPoint[] = page.map((r) => ({
    t: r.t_key,
    group: groupBy ? r.g : null,
    ...toMetrics(r),
  }));
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [last.t_key, last.g]) : null;
  return { items, nextCursor };
}

/**
 * Timeseries grouped by provider, user, session, tag or a metadata key: the attribution rollups
 * (attribution-sql.ts) per bucket; events without the dimension are the group "(none)".
 */
async function getAttributionTimeseries(db: Db, secret: Buffer, projectId: string, input: TimeseriesInput & { groupBy: BreakdownBy }) {
  const scope: CursorScope = { list: "timeseries", projectId, fingerprint: filterFingerprint(input, { bucket: input.bucket, groupBy: input.groupBy }) };
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const src = await sourceFor(db, projectId, input.groupBy);
  const keyset = after ? sql` WHERE (t, key) > (${after[0]}::timestamptz, ${after[1]})` : sql``;
  const rows = await queryRows(db, pointRow, sql`
    WITH p AS (${attributionParts(projectId, input, src, input.bucket)}),
    a AS (SELECT t, key, ${metricsColumns()} FROM p GROUP BY t, key)
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t_key, key AS g, a.* FROM a${keyset}
    ORDER BY t, key
    LIMIT ${input.limit + 1}`);
  const page = rows.slice(0, input.limit);
  const items: TimeseriesPoint[] = page.map((r) => ({ t: r.t_key, group: r.g === "" ? NONE_KEY : r.g, ...toMetrics(r) }));
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [last.t_key, last.g]) : null;
  return { items, nextCursor };
}

const pointRow = attributionRowSchema.omit({ key: true, first_seen: true, last_seen: true }).extend({ t_key: z.string(), g: z.string() });
