import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { rawConditions } from "~/features/analytics/server";
import type { Db, DbOrTx } from "~/server/db";
import { int8, numeric, queryRows } from "~/server/db/query";
import type { ClustersInput } from "../../schemas";
import { compareIds, components } from "../../union-find";

/**
 * Clusters are computed on demand for the requested window: the window's most expensive prompts
 * (at most MAX_PROMPTS, so the work is bounded however big the project is), joined by the edges
 * the embedding worker stored, then one SQL pass over their calls for the cache simulation.
 */
export const MAX_PROMPTS = 20_000;
export const MAX_MEMBERS = 10; // per cluster in the answer; `prompts` gives the full count

const promptStatSchema = z.object({ id: z.string(), calls: int8, cost: numeric });
export type PromptStat = z.output<typeof promptStatSchema>;
export type ClusterRow = {
  id: string;
  prompts: number;
  calls: string;
  unpricedCalls: string;
  costUsd: string;
  exactRepeatCalls: string;
  exactRepeatSavingsUsd: string;
  semanticCacheCalls: string;
  semanticCacheSavingsUsd: string;
  firstSeen: string;
  lastSeen: string;
  members: PromptStat[];
};
export type ClusterSet = { model: string; promptsConsidered: number; promptsLimited: boolean; clusters: ClusterRow[] };

const windowOf = (input: ClustersInput) => ({ from: input.from ?? null, to: input.to ?? null });

/**
 * Calls are summed per prompt hash first and only the most expensive hashes are joined to their
 * prompts (WITH TIES keeps every hash tied at the cut, so the (cost, id) order below is exactly
 * that of joining every call). Every event's hash has its prompt row (ingestion writes both).
 */
async function activePrompts(db: DbOrTx, projectId: string, input: ClustersInput): Promise<PromptStat[]> {
  return queryRows(
    db,
    promptStatSchema,
    sql`
    WITH g AS (
      SELECT e.prompt_hash, count(*) AS calls, coalesce(sum(e.cost_usd), 0) AS cost
      FROM cost_events e
      WHERE ${rawConditions(projectId, input, windowOf(input))} AND e.prompt_hash IS NOT NULL
      GROUP BY e.prompt_hash
      ORDER BY 3 DESC
      FETCH FIRST ${MAX_PROMPTS + 1} ROWS WITH TIES
    )
    SELECT p.id::text AS id, g.calls::text AS calls, g.cost::numeric(30, 12)::text AS cost
    FROM g JOIN prompts p ON p.project_id = ${projectId} AND p.hash = g.prompt_hash
    ORDER BY g.cost DESC, p.id
    LIMIT ${MAX_PROMPTS + 1}`,
  );
}

async function edgesAmong(db: DbOrTx, projectId: string, model: string, ids: string[], minSimilarity: number): Promise<[string, string][]> {
  if (ids.length < 2) return [];
  const rows = await queryRows(
    db,
    z.object({ a: z.string(), b: z.string() }),
    sql`
    SELECT n.prompt_id::text AS a, n.neighbor_id::text AS b
    FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) AS u(id)
    JOIN prompt_neighbors n ON n.project_id = ${projectId} AND n.prompt_id = u.id::bigint
    WHERE n.model = ${model} AND n.similarity >= ${minSimilarity}`,
  );
  return rows.map((r) => [r.a, r.b]);
}

const savingsRowSchema = z.object({
  cluster_id: z.string(),
  calls: int8,
  unpriced: int8,
  cost: numeric,
  exact_calls: int8,
  exact_savings: numeric,
  semantic_calls: int8,
  semantic_savings: numeric,
  first_seen: z.string(),
  last_seen: z.string(),
});
type SavingsRow = z.output<typeof savingsRowSchema>;
/**
 * The cache simulation, per call in the window (money stays numeric in SQL):
 * - exact hit: the same prompt was called earlier (strictly earlier timestamp) within the TTL;
 * - semantic hit: an exact hit, or a call of the same cluster earlier within the TTL whose cost
 *   was at most this call's cost (unpriced calls never serve as that earlier call).
 * The savings are the costs of the hits. "Strictly earlier within the TTL" is the frame
 * [ts − TTL, ts − 1 µs] (timestamptz counts microseconds): the same rows as [ts − TTL, ts] EXCLUDE
 * GROUP, but a frame without EXCLUDE lets count() slide with its inverse transition instead of
 * recounting every row's frame (4.5 → 2.6 s over 1M calls in a 30-day window).
 */
async function savings(db: DbOrTx, projectId: string, input: ClustersInput, map: [string, string][]): Promise<SavingsRow[]> {
  if (map.length === 0) return [];
  const ttl = sql`make_interval(secs => ${input.cacheTtlSeconds})`;
  const earlier = sql`RANGE BETWEEN ${ttl} PRECEDING AND '1 microsecond'::interval PRECEDING`;
  return queryRows(
    db,
    savingsRowSchema,
    sql`
    WITH map AS (
      SELECT (m->>0)::bigint AS prompt_id, (m->>1)::bigint AS cluster_id
      FROM jsonb_array_elements(${JSON.stringify(map)}::jsonb) AS m
    ),
    ev AS (
      SELECT e.ts, e.cost_usd, m.prompt_id, m.cluster_id
      FROM cost_events e
      JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
      JOIN map m ON m.prompt_id = p.id
      WHERE ${rawConditions(projectId, input, windowOf(input))}
    ),
    f AS (
      SELECT ev.*,
        count(*) OVER (PARTITION BY prompt_id ORDER BY ts ${earlier}) > 0 AS exact_hit,
        min(cost_usd) OVER (PARTITION BY cluster_id ORDER BY ts ${earlier}) AS cheapest_earlier
      FROM ev
    ),
    g AS (SELECT f.*, exact_hit OR coalesce(cheapest_earlier <= cost_usd, false) AS semantic_hit FROM f)
    SELECT cluster_id::text, count(*)::text AS calls, count(*) FILTER (WHERE cost_usd IS NULL)::text AS unpriced,
      coalesce(sum(cost_usd), 0)::numeric(30, 12)::text AS cost,
      count(*) FILTER (WHERE exact_hit)::text AS exact_calls,
      coalesce(sum(cost_usd) FILTER (WHERE exact_hit), 0)::numeric(30, 12)::text AS exact_savings,
      count(*) FILTER (WHERE semantic_hit)::text AS semantic_calls,
      coalesce(sum(cost_usd) FILTER (WHERE semantic_hit), 0)::numeric(30, 12)::text AS semantic_savings,
      to_char(min(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS first_seen,
      to_char(max(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_seen
    FROM g GROUP BY cluster_id`,
  );
}

/** Every cluster of the window (unsorted): groups of near-duplicates, and single prompts repeated exactly. */
export async function computeClusters(db: Db, projectId: string, model: string, input: ClustersInput): Promise<ClusterSet> {
  // One transaction with its own settings (transaction-local: pooled connections and PGlite's
  // shared session never keep them): the aggregates over up to 20k prompts and their calls need
  // more than the default 4 MB work_mem, or they spill to disk in batches; no JIT for a query
  // that runs in milliseconds.
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)`);
    return computeIn(tx, projectId, model, input);
  });
}

async function computeIn(db: DbOrTx, projectId: string, model: string, input: ClustersInput): Promise<ClusterSet> {
  const active = await activePrompts(db, projectId, input);
  const promptsLimited = active.length > MAX_PROMPTS;
  if (promptsLimited) active.length = MAX_PROMPTS;
  const ids = active.map((p) => p.id);
  const root = components(ids, await edgesAmong(db, projectId, model, ids, input.minSimilarity));

  const members = new Map<string, PromptStat[]>();
  for (const p of active) {
    const r = root.get(p.id) ?? p.id;
    const list = members.get(r);
    if (list) list.push(p);
    else members.set(r, [p]);
  }
  // A lone prompt called once can neither repeat nor have a variant: leave it out of the pass.
  const candidates = [...members.entries()].filter(([, m]) => m.length > 1 || (m[0] !== undefined && m[0].calls !== "1"));
  const map: [string, string][] = candidates.flatMap(([r, m]) => m.map((p): [string, string] => [p.id, r]));
  const rows = await savings(db, projectId, input, map);

  const clusters: ClusterRow[] = [];
  for (const s of rows) {
    const m = members.get(s.cluster_id) ?? [];
    // Keep groups of variants, and single prompts only when they were repeated within the TTL.
    if (m.length < 2 && s.exact_calls === "0") continue;
    clusters.push({
      id: s.cluster_id,
      prompts: m.length,
      calls: s.calls,
      unpricedCalls: s.unpriced,
      costUsd: s.cost,
      exactRepeatCalls: s.exact_calls,
      exactRepeatSavingsUsd: s.exact_savings,
      semanticCacheCalls: s.semantic_calls,
      semanticCacheSavingsUsd: s.semantic_savings,
      firstSeen: s.first_seen,
      lastSeen: s.last_seen,
      // `active` is sorted by cost desc, then id: so is every member list.
      members: m.slice(0, MAX_MEMBERS),
    });
  }
  clusters.sort((a, b) => compareIds(a.id, b.id));
  return { model, promptsConsidered: ids.length, promptsLimited, clusters };
}
