import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { queryRows } from "~/server/db/query";
import type { Filters } from "../schemas";
import { latencyParts, type Dim } from "./usage-sql";

/** A group's histogram: latency bucket → calls. */
export type Histogram = Map<number, number>;

const histogramRow = z
  .object({ bucket: z.number().int().nullable(), n: z.string().nullable(), buckets: z.string().nullable(), counts: z.string().nullable() })
  .catchall(z.string());

/**
 * The latency histogram of every group in the window (of `only` those groups, when given), keyed
 * by the JSON of its group values (`[]` without grouping). One statement: the per-bucket rows are
 * summed in PostgreSQL, the daily rollup's packed rows (one per day and group) here.
 */
export async function latencyHistograms(db: Db, projectId: string, f: Filters, ds: Dim[], only?: string[][]): Promise<Map<string, Histogram>> {
  const out = new Map<string, Histogram>();
  if (only?.length === 0) return out;
  const { rows, packed } = latencyParts(projectId, f, ds);
  const names = ds.map((d) => sql.identifier(d.as));
  const groupCols = names.length ? sql`${sql.join(names, sql`, `)}, ` : sql``;
  const where = only
    ? sql` WHERE (${sql.join(names, sql`, `)}) IN (${sql.join(
        only.map((key) => sql`(${sql.join(key.map((v) => sql`${v}`), sql`, `)})`),
        sql`, `,
      )})`
    : sql``;
  const selects: SQL[] = [];
  if (rows) {
    selects.push(sql`SELECT ${groupCols}bucket::int AS bucket, sum(n)::text AS n, NULL::text AS buckets, NULL::text AS counts
      FROM (${rows}) p${where} GROUP BY ${sql.join([...names, sql`bucket`], sql`, `)}`);
  }
  if (packed) selects.push(sql`SELECT ${groupCols}NULL::int AS bucket, NULL::text AS n, buckets, counts FROM (${packed}) p${where}`);
  if (selects.length === 0) return out;
  for (const r of await queryRows(db, histogramRow, sql.join(selects, sql` UNION ALL `))) {
    const key = JSON.stringify(ds.map((d) => r[d.as] ?? ""));
    let h = out.get(key);
    if (!h) out.set(key, (h = new Map<number, number>()));
    if (r.bucket !== null) {
      h.set(r.bucket, (h.get(r.bucket) ?? 0) + Number(r.n));
      continue;
    }
    const buckets = (r.buckets ?? "").split(",");
    const counts = (r.counts ?? "").split(",");
    for (let i = 0; i < buckets.length; i++) {
      const b = Number(buckets[i]);
      h.set(b, (h.get(b) ?? 0) + Number(counts[i]));
    }
  }
  return out;
}
