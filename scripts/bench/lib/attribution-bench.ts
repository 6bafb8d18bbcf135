// bench:query's attribution part: users.list and breakdown.list (by user, tag and a promoted
// metadata key) over 30 days, first page and a deep page, over HTTP — next to the same first page
// computed by a raw GROUP BY over cost_events in the same run (EXPLAIN ANALYZE execution time).
import type postgres from "postgres";
import { fmtInt, fmtMs, percentiles } from "./loop";
import { row } from "./report";

type Call = (proc: string, input: unknown) => Promise<{ nextCursor?: string | null }>;
type TimeIt = (label: string, fn: () => Promise<void>) => Promise<number[]>;

const line = (label: string, samples: number[], extra = "") => {
  const [p50, p95] = percentiles(samples, [50, 95]);
  return row(label, `p50 ${fmtMs(p50 ?? NaN)}  p95 ${fmtMs(p95 ?? NaN)} ms${extra}`);
};

/** The cursor after `rows` rows (or after the last full page when there are fewer). */
async function cursorAt(call: Call, proc: string, input: Record<string, unknown>, rows: number) {
  let cursor: string | null = null;
  let seen = 0;
  while (seen < rows) {
    const limit = Math.min(500, rows - seen);
    const page = await call(proc, { ...input, limit, cursor });
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
    seen += limit;
  }
  return { cursor, seen };
}

export async function attributionBench(opts: { call: Call; time: TimeIt; sql: postgres.Sql; projectId: string; from: Date; deepRows: number }): Promise<string[]> {
  const { call, time, sql, projectId, from } = opts;
  const out: string[] = [];
  const raw = async (keyExpr: string, fromClause = "cost_events e") => {
    const q = `EXPLAIN (ANALYZE, FORMAT JSON) SELECT ${keyExpr} AS key, count(*), sum(e.cost_usd) AS cost FROM ${fromClause}
      WHERE e.project_id = $1 AND e.ts >= $2 GROUP BY 1 ORDER BY cost DESC NULLS LAST, key LIMIT 101`;
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await sql.unsafe<{ "QUERY PLAN": { "Execution Time": number }[] }[]>(q, [projectId, from.toISOString()]);
      samples.push(r[0]?.["QUERY PLAN"][0]?.["Execution Time"] ?? NaN);
    }
    return samples;
  };
  const cases: { label: string; proc: string; input: Record<string, unknown>; raw: () => Promise<number[]> }[] = [
    { label: "users.list 30 d", proc: "users.list", input: { from }, raw: () => raw("e.user_id") },
    { label: "by user 30 d", proc: "breakdown.list", input: { from, by: "user" }, raw: () => raw("coalesce(e.user_id, '')") },
    {
      label: "by tag 30 d",
      proc: "breakdown.list",
      input: { from, by: "tag" },
      raw: () => raw("t.k", "cost_events e CROSS JOIN LATERAL unnest(coalesce(nullif(e.tags, '{}'), ARRAY['']::text[])) t(k)"),
    },
    { label: "by meta customer 30 d", proc: "breakdown.list", input: { from, by: "metadata:customer" }, raw: () => raw("coalesce(e.metadata ->> 'customer', '')") },
  ];
  for (const c of cases) {
    const first = await time(`${c.label} first`, async () => void (await call(c.proc, { ...c.input, limit: 100 })));
    const rawSamples = await c.raw();
    const [p50First] = percentiles(first, [50]);
    const [rawP50] = percentiles(rawSamples, [50]);
    out.push(line(`${c.label} first`, first, `   raw GROUP BY p50 ${fmtMs(rawP50 ?? NaN)} ms (×${((rawP50 ?? NaN) / (p50First ?? NaN)).toFixed(1)})`));
    const deep = await cursorAt(call, c.proc, c.input, opts.deepRows);
    if (deep.cursor === null) {
      out.push(row(`${c.label} deep`, "n/a (one page holds every group)"));
      continue;
    }
    const samples = await time(`${c.label} deep`, async () => void (await call(c.proc, { ...c.input, limit: 100, cursor: deep.cursor })));
    out.push(line(`${c.label} +${fmtInt(deep.seen)}`, samples));
  }
  return out;
}
