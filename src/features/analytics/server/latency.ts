import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { LATENCY_MAX_BUCKET } from "~/lib/latency";
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
    // OFFSET 0 keeps the page's keys out of the parts: pushed into the hourly read they made one
    // index range per key over the edge hours (models.list: 3 -> 1 ms for the hourly part).
    selects.push(sql`SELECT ${groupCols}bucket::int AS bucket, sum(n)::text AS n, NULL::text AS buckets, NULL::text AS counts
      FROM (SELECT * FROM (${rows}) p0 OFFSET 0) p${where} GROUP BY ${sql.join([...names, sql`bucket`], sql`, `)}`);
  }
  if (packed) selects.push(sql`SELECT ${groupCols}NULL::int AS bucket, NULL::text AS n, buckets, counts FROM (${packed}) p${where}`);
  if (selects.length === 0) return out;
  // Summed densely per group (buckets are 0..LATENCY_MAX_BUCKET), the packed text parsed in place:
  // a 30-day page of 13 models is ~24,000 bucket counts, and splitting them into strings cost more
  // than the statement.
  const dense = new Map<string, Float64Array>();
  for (const r of await queryRows(db, histogramRow, sql.join(selects, sql` UNION ALL `))) {
    const key = JSON.stringify(ds.map((d) => r[d.as] ?? ""));
    let h = dense.get(key);
    if (!h) dense.set(key, (h = new Float64Array(LATENCY_MAX_BUCKET + 1)));
    if (r.bucket !== null) h[r.bucket] = (h[r.bucket] ?? 0) + Number(r.n);
    else addPacked(h, r.buckets ?? "", r.counts ?? "");
  }
  for (const [key, h] of dense) {
    const m: Histogram = new Map();
    h.forEach((n, b) => {
      if (n !== 0) m.set(b, n);
    });
    out.set(key, m);
  }
  return out;
}

/** Adds a packed row ("3,5,9" and "10,2,7": buckets and their counts) into a dense histogram. */
export function addPacked(h: Float64Array, buckets: string, counts: string): void {
  let j = 0;
  let b = 0;
  for (let i = 0; i <= buckets.length; i++) {
    const c = i < buckets.length ? buckets.charCodeAt(i) : 44;
    if (c !== 44) {
      b = b * 10 + (c - 48);
      continue;
    }
    let n = 0;
    for (; j < counts.length; j++) {
      const d = counts.charCodeAt(j);
      if (d === 44) break;
      n = n * 10 + (d - 48);
    }
    j++;
    if (b > LATENCY_MAX_BUCKET) throw new Error(`latency bucket ${b} out of range`);
    h[b] = (h[b] ?? 0) + n;
    b = 0;
  }
}
