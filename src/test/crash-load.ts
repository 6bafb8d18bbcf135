// Sustained ingestion that a crash interrupts (src/server/crash-safety.int.test.ts): workers post
// batches with unique ids until told to stop, keeping what was acknowledged with a 2xx apart
// from what was in flight or refused when the server died.
import type { Sql } from "postgres";
import { foldAll } from "~/server/rollups/fold";

export type Batch = { ids: string[]; body: string };

export type LoadOutcome = { acked: Set<string>; unacked: Batch[]; batches: number };

function makeBatch(prefix: string, n: number, size: number): Batch {
  const ids: string[] = [];
  const events = Array.from({ length: size }, (_, i) => {
    const id = `${prefix}-${n}-${i}`;
    ids.push(id);
    return {
      id,
      provider: "openai",
      model: i % 3 === 0 ? "gpt-4o-mini" : "gpt-4o",
      feature: `f${(n + i) % 5}`,
      inputTokens: 1000 + ((n * 7 + i) % 900),
      outputTokens: 100 + (i % 50),
      latencyMs: 50 + ((n + i) % 400),
      // Reported costs with all 12 decimals: sums must match to the picodollar.
      ...(i % 4 === 0 ? { costUsd: `0.${String(n * 31 + i).padStart(12, "0")}` } : {}),
    };
  });
  return { ids, body: JSON.stringify({ events }) };
}

export async function post(url: string, key: string, batch: Batch): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: batch.body,
    });
    const text = await res.text();
    if (res.status !== 200) return false;
    const r = JSON.parse(text) as { accepted: number; duplicates: number };
    return r.accepted + r.duplicates === batch.ids.length;
  } catch {
    return false; // connection refused or reset: the server is gone
  }
}

/**
 * Posts batches from `workers` loops; once `killAfter` events are acknowledged, calls `kill` (in the
 * middle of the traffic: the other workers' requests are in flight) and stops every loop.
 */
export async function ingestUntilKilled(o: { url: string; key: string; prefix: string; workers: number; batchSize: number; killAfter: number; kill: () => void }): Promise<LoadOutcome> {
  const acked = new Set<string>();
  const unacked: Batch[] = [];
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const batch = makeBatch(o.prefix, next++, o.batchSize);
      const ok = await post(o.url, o.key, batch);
      if (ok) for (const id of batch.ids) acked.add(id);
      else unacked.push(batch);
      if (!killed && acked.size >= o.killAfter) {
        killed = true;
        o.kill();
      }
      // A bounded run even if the kill never lands: no loop runs forever.
      if (next > 10_000) killed = true;
    }
  };
  await Promise.all(Array.from({ length: o.workers }, worker));
  return { acked, unacked, batches: next };
}

export type Audit = { present: number; duplicated: number; lost: number; rollupsMatch: boolean; detail: string };

/** What the database holds for the acknowledged ids, and whether every rollup equals the raw events. */
export async function audit(sql: Sql, projectId: string, acked: Set<string>): Promise<Audit> {
  // Rollups are folded off the ingestion path: fold every committed event first, so the rollup
  // tables alone must equal the raw events (a crash mid-fold must have lost nothing).
  await foldAll(sql);
  const ids = [...acked];
  const [counts] = await sql<{ present: number; duplicated: number }[]>`
    SELECT (SELECT count(DISTINCT event_id)::int FROM cost_events WHERE project_id = ${projectId} AND event_id = ANY(${ids})) AS present,
           (SELECT count(*)::int FROM (SELECT event_id FROM cost_events WHERE project_id = ${projectId}
              GROUP BY event_id HAVING count(*) > 1) d) AS duplicated`;
  const sums = await sql<{ src: string; calls: string; input: string; output: string; cost: string }[]>`
    SELECT 'raw' AS src, count(*)::text AS calls, sum(input_tokens)::text AS input, sum(output_tokens)::text AS output, coalesce(sum(cost_usd), 0)::text AS cost
      FROM cost_events WHERE project_id = ${projectId}
    UNION ALL
    SELECT 'hourly', sum(calls)::text, sum(input_tokens)::text, sum(output_tokens)::text, coalesce(sum(cost_usd), 0)::text
      FROM usage_hourly WHERE project_id = ${projectId}
    UNION ALL
    SELECT 'daily', sum(calls)::text, sum(input_tokens)::text, sum(output_tokens)::text, coalesce(sum(cost_usd), 0)::text
      FROM usage_daily WHERE project_id = ${projectId}
    UNION ALL
    SELECT 'attribution by user', sum(calls)::text, sum(input_tokens)::text, sum(output_tokens)::text, coalesce(sum(cost_usd), 0)::text
      FROM attribution_daily WHERE project_id = ${projectId} AND dim = 'user'
    UNION ALL
    SELECT 'token mix', sum(calls)::text, sum(input_tokens)::text, sum(output_tokens)::text, coalesce(sum(cost_usd), 0)::text
      FROM token_mix_daily WHERE project_id = ${projectId}`;
  // Exact decimals compared as text, trailing zeros aside (numeric scales differ between tables).
  const exact = (d: string) => (d.includes(".") ? d.replace(/0+$/, "").replace(/\.$/, "") : d);
  const key = (r: { calls: string; input: string; output: string; cost: string }) => `${r.calls}/${r.input}/${r.output}/${exact(r.cost)}`;
  const distinct = new Set(sums.map(key));
  const present = counts?.present ?? 0;
  return { present, duplicated: counts?.duplicated ?? -1, lost: ids.length - present, rollupsMatch: distinct.size === 1, detail: JSON.stringify(sums) };
}
