import "server-only";
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { rawConditions } from "~/features/analytics/server";
import { DIMENSION_KEYS } from "~/lib/list-filters";
import { FOLDED_SQL } from "~/server/rollups/attribution-fold-sql";
import { unfoldedEvents } from "~/server/rollups/tail";
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

type ActivePrompt = PromptStat & { repeats: boolean };
const activePromptSchema = promptStatSchema.extend({ repeats: z.boolean() });
const FOLDED = sql.raw(FOLDED_SQL("e", "fs"));

/**
 * The window's prompts by cost (then id), at most MAX_PROMPTS + 1, each with `repeats`: whether
 * two of its calls in the window may be at most the cache's lifetime apart. It is false when the
 * fold's bound on the prompt's gaps between calls (prompts.call_gap_us, over all its folded calls:
 * the window's are a subset, never closer) exceeds the lifetime, covers all its folded calls
 * (call_gap_calls) and no call of it is still unfolded; such a prompt, alone in its cluster, has
 * no exact repeat to simulate.
 * With no filter but the window, from the prompts' folded counters (activeFromCounters);
 * otherwise from the window's calls.
 */
function activePrompts(db: DbOrTx, projectId: string, input: ClustersInput, maxPrompts: number): Promise<ActivePrompt[]> {
  return DIMENSION_KEYS.every((k) => input[k] === undefined)
    ? activeFromCounters(db, projectId, input, maxPrompts)
    : activeFromCalls(db, projectId, input, maxPrompts);
}

/**
 * Calls are summed per prompt hash first and only the most expensive hashes are joined to their
 * prompts (WITH TIES keeps every hash tied at the cut, so the (cost, id) order below is exactly
 * that of joining every call). Every event's hash has its prompt row (ingestion writes both).
 */
function activeFromCalls(db: DbOrTx, projectId: string, input: ClustersInput, maxPrompts: number): Promise<ActivePrompt[]> {
  return queryRows(
    db,
    activePromptSchema,
    sql`
    WITH g AS (
      SELECT e.prompt_hash, count(*) AS calls, coalesce(sum(e.cost_usd), 0) AS cost
      FROM cost_events e
      WHERE ${rawConditions(projectId, input, windowOf(input))} AND e.prompt_hash IS NOT NULL
      GROUP BY e.prompt_hash
      ORDER BY 3 DESC
      FETCH FIRST ${maxPrompts + 1} ROWS WITH TIES
    ),
    tail AS (
      SELECT DISTINCT e.prompt_hash FROM ${unfoldedEvents()}
      WHERE ${rawConditions(projectId, input, windowOf(input))} AND e.prompt_hash IS NOT NULL
    )
    SELECT p.id::text AS id, g.calls::text AS calls, g.cost::numeric(30, 12)::text AS cost,
      ${repeats(input, sql`t.prompt_hash IS NOT NULL`)} AS repeats
    FROM g JOIN prompts p ON p.project_id = ${projectId} AND p.hash = g.prompt_hash
    LEFT JOIN tail t ON t.prompt_hash = g.prompt_hash
    ORDER BY g.cost DESC, p.id
    LIMIT ${maxPrompts + 1}`,
  );
}

/** `repeats` of the prompt row `p` (see activePrompts), given whether it has unfolded calls. */
const repeats = (input: ClustersInput, unfolded: SQL) =>
  sql`(${unfolded} OR p.call_gap_calls <> p.occurrences OR coalesce(p.call_gap_us <= ${input.cacheTtlSeconds * 1_000_000}::bigint, false))`;

// The top-N sort of ~100k prompts compares int8 picodollars first (a numeric comparison costs
// several times more): exact below the cap, where equal keys are equal costs (scale 12), and the
// numeric cost orders the rest.
const SORT_KEY_CAP_USD = 9_000_000;

/** The (cost, id) order of the window's prompts, on the columns `cost` and `id` of `rel`. */
const byCost = (rel: string) =>
  sql.raw(`(least(${rel}.cost, ${SORT_KEY_CAP_USD}) * 1000000000000)::int8 DESC, ${rel}.cost DESC, ${rel}.id`);

/**
 * The same rows from each prompt's folded counters (occurrences, total cost), without grouping
 * the window's calls. Every folded call of a prompt lies between its first and last seen, so a
 * prompt the window holds whole counts its counters; only the prompts the window cuts are summed
 * from their folded calls in the window (none without a window); the calls not folded yet are
 * added from the tail. One statement: counters, fold state and tail are one snapshot.
 * The counters are read from prompts_counters_idx (drizzle/0034), index-only where the pages are
 * all-visible: (project, total cost desc, id) with the other counters included.
 * - Without a window, only the first maxPrompts + 1 prompts in that index's order are read, plus
 *   the prompts with unfolded calls. Exact: the index's order is byCost's (below the cap the int8
 *   key is the cost itself, scale 12; above it, the cost), and unfolded calls only add calls and
 *   non-negative cost (ingestion refuses a negative cost), so a prompt with none, beyond that
 *   prefix, stays behind all of it. bench:similarity's 100k prompts: 145–168 → 55 ms (session 42).
 * - With a window every prompt of the project is read, so the work per row is kept small: no
 *   join to cut prompts; numeric sums only where there are unfolded calls; text only for the rows
 *   kept (bench:similarity's 100k prompts, a busy machine: 198–277 → 145–159 ms).
 */
function activeFromCounters(db: DbOrTx, projectId: string, input: ClustersInput, maxPrompts: number): Promise<ActivePrompt[]> {
  const { from, to } = windowOf(input);
  const window = rawConditions(projectId, {}, { from, to });
  const tail = sql`tail AS (
      SELECT e.prompt_hash, count(*) AS calls, coalesce(sum(e.cost_usd), 0) AS cost
      FROM ${unfoldedEvents()} WHERE ${window} AND e.prompt_hash IS NOT NULL
      GROUP BY e.prompt_hash
    )`;
  const repeatsCol = repeats(input, sql`t.calls IS NOT NULL`);
  // A prompt the window holds whole (only built with a window).
  const holds = sql.join(
    [...(from ? [sql`p.first_seen >= ${from.toISOString()}::timestamptz`] : []), ...(to ? [sql`p.last_seen < ${to.toISOString()}::timestamptz`] : [])],
    sql` AND `,
  );
  const rows =
    from || to
      ? sql`
    WITH pw AS (
      SELECT p.id, p.hash, p.occurrences, p.total_cost_usd, p.call_gap_us, p.call_gap_calls, ${holds} AS whole
      FROM prompts p WHERE p.project_id = ${projectId}
    ),
    cut AS (
      SELECT e.prompt_hash, count(*) AS calls, coalesce(sum(e.cost_usd), 0) AS cost
      FROM cost_events e, rollup_fold_state fs
      WHERE ${window} AND fs.id = 1 AND ${FOLDED} AND e.prompt_hash IN (SELECT hash FROM pw WHERE NOT whole AND occurrences > 0)
      GROUP BY e.prompt_hash
    ),
    ${tail},
    w AS (
      SELECT p.id, ${repeatsCol} AS repeats,
        CASE WHEN p.whole THEN p.occurrences ELSE coalesce(c.calls, 0) END + coalesce(t.calls, 0) AS calls,
        CASE WHEN p.whole THEN p.total_cost_usd ELSE coalesce(c.cost, 0) END + coalesce(t.cost, 0) AS cost
      FROM pw p LEFT JOIN cut c ON c.prompt_hash = p.hash LEFT JOIN tail t ON t.prompt_hash = p.hash
    )`
      : sql`
    WITH ${tail},
    folded AS (
      SELECT p.id, p.hash, p.occurrences, p.total_cost_usd, p.call_gap_us, p.call_gap_calls
      FROM prompts p WHERE p.project_id = ${projectId} AND p.occurrences > 0
      ORDER BY p.total_cost_usd DESC, p.id LIMIT ${maxPrompts + 1}
    ),
    cand AS (
      SELECT * FROM folded
      UNION ALL
      SELECT p.id, p.hash, p.occurrences, p.total_cost_usd, p.call_gap_us, p.call_gap_calls
      FROM prompts p WHERE p.project_id = ${projectId} AND p.hash IN (SELECT prompt_hash FROM tail) AND p.id NOT IN (SELECT id FROM folded)
    ),
    w AS (
      SELECT p.id, ${repeatsCol} AS repeats,
        CASE WHEN t.calls IS NULL THEN p.occurrences ELSE p.occurrences + t.calls END AS calls,
        CASE WHEN t.calls IS NULL THEN p.total_cost_usd ELSE p.total_cost_usd + t.cost END AS cost
      FROM cand p LEFT JOIN tail t ON t.prompt_hash = p.hash
    )`;
  return queryRows(
    db,
    activePromptSchema,
    sql`${rows},
    top AS (SELECT * FROM w WHERE w.calls > 0 ORDER BY ${byCost("w")} LIMIT ${maxPrompts + 1})
    SELECT top.id::text AS id, top.calls::text AS calls, top.cost::numeric(30, 12)::text AS cost, top.repeats
    FROM top ORDER BY ${byCost("top")}`,
  );
}

/**
 * The stored edges from the prompts `ids` at or above `minSimilarity`, in one pass of the
 * project's edges hashed against the ids: nested loops are off for this statement, because the
 * planner guesses a set function's rows at 100 and would probe the edges' index once per id
 * (29 ms for 20k ids against 13 ms). Transaction-local, set back after.
 */
async function edgesAmong(db: DbOrTx, projectId: string, model: string, ids: string[], minSimilarity: number): Promise<[string, string][]> {
  if (ids.length < 2) return [];
  await db.execute(sql`SELECT set_config('enable_nestloop', 'off', true)`);
  const rows = await queryRows(
    db,
    z.object({ a: z.string(), b: z.string() }),
    sql`
    SELECT n.prompt_id::text AS a, n.neighbor_id::text AS b
    FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) AS u(id)
    JOIN prompt_neighbors n ON n.project_id = ${projectId} AND n.prompt_id = u.id::bigint
    WHERE n.model = ${model} AND n.similarity >= ${minSimilarity}`,
  );
  await db.execute(sql`SELECT set_config('enable_nestloop', 'on', true)`);
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
 * A lone prompt is its own cluster: a cheaper earlier call of it within the TTL is an exact hit
 * already, so its calls need only the first window (one sort instead of two), and the answer
 * leaves out the lone prompts with no exact hit (the caller drops them): most of the candidates.
 * `map`: [prompt id, cluster id, whether the cluster has several prompts].
 */
async function savings(db: DbOrTx, projectId: string, input: ClustersInput, map: [promptId: string, clusterId: string, group: boolean][]): Promise<SavingsRow[]> {
  if (map.length === 0) return [];
  const ttl = sql`make_interval(secs => ${input.cacheTtlSeconds})`;
  const earlier = sql`RANGE BETWEEN ${ttl} PRECEDING AND '1 microsecond'::interval PRECEDING`;
  const exact = sql`count(*) OVER (PARTITION BY prompt_hash ORDER BY ts ${earlier}) > 0`;
  return queryRows(
    db,
    savingsRowSchema,
    sql`
    WITH map AS (
      SELECT p.hash AS prompt_hash, (m->>1)::bigint AS cluster_id, (m->>2)::boolean AS grp
      FROM jsonb_array_elements(${JSON.stringify(map)}::jsonb) AS m
      JOIN prompts p ON p.project_id = ${projectId} AND p.id = (m->>0)::bigint
    ),
    ev AS (
      SELECT e.ts, e.cost_usd, m.prompt_hash, m.cluster_id, m.grp
      FROM cost_events e
      JOIN map m ON m.prompt_hash = e.prompt_hash
      WHERE ${rawConditions(projectId, input, windowOf(input))}
    ),
    f AS (
      SELECT cluster_id, grp, ts, cost_usd, ${exact} AS exact_hit, NULL::numeric AS cheapest_earlier FROM ev WHERE NOT grp
      UNION ALL
      SELECT cluster_id, grp, ts, cost_usd, ${exact} AS exact_hit,
        min(cost_usd) OVER (PARTITION BY cluster_id ORDER BY ts ${earlier}) AS cheapest_earlier
      FROM ev WHERE grp
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
    FROM g GROUP BY cluster_id
    HAVING bool_or(grp) OR bool_or(exact_hit)`,
  );
}

/** Every cluster of the window (unsorted): groups of near-duplicates, and single prompts repeated exactly. */
export async function computeClusters(db: Db, projectId: string, model: string, input: ClustersInput, maxPrompts = MAX_PROMPTS): Promise<ClusterSet> {
  // One transaction with its own settings (transaction-local: pooled connections and PGlite's
  // shared session never keep them): the aggregates over up to 20k prompts and their calls need
  // more than the default 4 MB work_mem, or they spill to disk in batches; no JIT for a query
  // that runs in milliseconds.
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`);
    return computeIn(tx, projectId, model, input, maxPrompts);
  });
}

async function computeIn(db: DbOrTx, projectId: string, model: string, input: ClustersInput, maxPrompts: number): Promise<ClusterSet> {
  const active = await activePrompts(db, projectId, input, maxPrompts);
  const promptsLimited = active.length > maxPrompts;
  if (promptsLimited) active.length = maxPrompts;
  const ids = active.map((p) => p.id);
  const root = components(ids, await edgesAmong(db, projectId, model, ids, input.minSimilarity));

  // The clusters the pass simulates: every group of near-duplicates, and each lone prompt that may
  // repeat exactly. A lone prompt called once, or whose calls are all further apart than the
  // cache's lifetime, has neither an exact repeat nor a variant: it is left out.
  const members = new Map<string, ActivePrompt[]>();
  for (const p of active) {
    const r = root.get(p.id);
    if (r === undefined) {
      if (p.calls !== "1" && p.repeats) members.set(p.id, [p]);
      continue;
    }
    const list = members.get(r);
    if (list) list.push(p);
    else members.set(r, [p]);
  }
  const map = [...members].flatMap(([r, m]) => m.map((p): [string, string, boolean] => [p.id, r, m.length > 1]));
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
      // \`active\` is sorted by cost desc, then id: so is every member list.
      members: m.slice(0, MAX_MEMBERS).map(({ id, calls, cost }) => ({ id, calls, cost })),
    });
  }
  clusters.sort((a, b) => compareIds(a.id, b.id));
  return { model, promptsConsidered: ids.length, promptsLimited, clusters };
}
