import "server-only";
import { computeTierCostPicos } from "../compute";
import { formatPicos, parseUsdToPicos } from "~/lib/money";
import type { ServiceTier } from "~/lib/service-tier";
import type { DbClient } from "~/server/db";
import { FOLD_LOCK } from "~/server/rollups/fold";
import { ATTRIBUTION_REPRICE_DELTAS, FOLDED_SQL } from "~/server/rollups/attribution-fold-sql";
import { TOKEN_MIX_REPRICE_DELTA } from "~/server/rollups/token-mix";
import { getPricer, invalidatePrices } from "./pricer";

const BATCH = 5000;
const REPRICE_LOCK = 815_004_223;

type EventRow = {
  id: string;
  event_id: string;
  ts: string;
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  cost_usd: string | null;
  cost_source: "computed" | "unpriced";
  service_tier: ServiceTier;
};

// Each batch is ONE statement: the events' new costs and the matching deltas on the usage rollups
// and prompts commit together. Only folded events move the rollups (src/server/rollups/): an event
// not folded yet is counted from its row, so the fold will add its new cost. The batch's
// transaction holds the fold lock shared, so no fold runs between reading which events are folded
// and committing. Ingestion takes no lock: repricing never blocks it, and the rollups plus the
// unfolded tail equal a full scan at every commit.
/** The cost and unpriced-count deltas of the updated events, applied to one usage rollup. */
function deltaUpdate(table: string, period: "hour" | "day"): string {
  return `${table}_d AS (
  SELECT date_trunc('${period}', ts, 'UTC') AS period, feature, model, provider,
    sum(coalesce(new_cost, 0) - coalesce(old_cost, 0)) AS dcost,
    count(*) FILTER (WHERE new_src = 'unpriced') - count(*) FILTER (WHERE old_src = 'unpriced') AS dunpriced
  FROM folded GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
),
${table}_up AS (
  UPDATE ${table} u SET cost_usd = u.cost_usd + d.dcost, unpriced_calls = u.unpriced_calls + d.dunpriced
  FROM ${table}_d d WHERE u.project_id = $1::uuid AND u.${period} = d.period AND u.feature = d.feature
    AND u.model = d.model AND u.provider = d.provider
  RETURNING 1
)`;
}

const APPLY = `
WITH v AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS v(event_id text, cost numeric, src text)),
upd AS (
  UPDATE cost_events e SET cost_usd = v.cost, cost_source = v.src
  FROM v, cost_events o
  WHERE e.project_id = $1::uuid AND e.event_id = v.event_id
    AND o.project_id = e.project_id AND o.event_id = e.event_id
    AND e.cost_source IN ('computed', 'unpriced')
  RETURNING e.project_id, e.ts, e.feature, e.model, e.provider, e.prompt_hash, e.service_tier, e.input_tokens,
    e.user_id, e.tags, e.metadata, v.cost AS new_cost, v.src AS new_src, o.cost_usd AS old_cost, o.cost_source AS old_src, o.xid
),
-- Events already in the rollups: xid visible in the fold state (the negation of unfolded_events()).
folded AS (
  SELECT u.* FROM upd u, rollup_fold_state s
  WHERE s.id = 1 AND ${FOLDED_SQL("u", "s")}
),
${deltaUpdate("usage_hourly", "hour")},
${deltaUpdate("usage_daily", "day")},
${TOKEN_MIX_REPRICE_DELTA},
${ATTRIBUTION_REPRICE_DELTAS.join(",\n")},
pr AS (
  UPDATE prompts p SET total_cost_usd = p.total_cost_usd + x.dcost
  FROM (SELECT prompt_hash, sum(coalesce(new_cost, 0) - coalesce(old_cost, 0)) AS dcost FROM folded
        WHERE prompt_hash IS NOT NULL GROUP BY 1 ORDER BY 1) x
  WHERE p.project_id = $1::uuid AND p.hash = x.prompt_hash
  RETURNING 1
)
SELECT (SELECT count(*) FROM upd)::int AS updated,
  (SELECT coalesce(sum(coalesce(new_cost, 0) - coalesce(old_cost, 0)), 0)::text FROM upd) AS delta`;

export type RepriceResult = { scanned: number; updated: number; deltaUsd: string };

/**
 * Recomputes the cost of computed and unpriced events of a project from `from` on with the
 * current prices (catalog + the project's custom prices). Reported costs are never touched.
 */
export async function repriceProject(
  client: DbClient,
  projectId: string,
  from: Date,
  options: { dryRun?: boolean } = {},
): Promise<RepriceResult> {
  invalidatePrices();
  const pricer = await getPricer(client.db, projectId);
  const { sql } = client;
  let scanned = 0;
  let updated = 0;
  let delta = 0n;
  let after: [string, string] | null = null;
  // One repricing per project at a time; ingestion does not take this lock.
  const lock = await sql.reserve();
  try {
    await lock`SELECT pg_advisory_lock(${REPRICE_LOCK}, hashtext(${projectId}::text))`;
    for (;;) {
      const rows: EventRow[] = await sql<EventRow[]>`
        SELECT id::text, event_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts,
          provider, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens,
          cost_usd::text, cost_source, service_tier
        FROM cost_events
        WHERE project_id = ${projectId} AND ts >= ${from.toISOString()}::timestamptz
          AND cost_source IN ('computed', 'unpriced')
          ${after ? sql`AND (ts, id) > (${after[0]}::timestamptz, ${after[1]}::bigint)` : sql``}
        ORDER BY ts, id LIMIT ${BATCH}`;
      if (rows.length === 0) break;
      scanned += rows.length;
      const changes: { event_id: string; cost: string | null; src: string }[] = [];
      for (const r of rows) {
        const price = pricer(r.provider, r.model, new Date(r.ts));
        const picos = price
          ? computeTierCostPicos(
              price,
              {
                inputTokens: r.input_tokens,
                outputTokens: r.output_tokens,
                cachedInputTokens: r.cached_input_tokens,
                cacheWriteTokens: r.cache_write_tokens,
              },
              r.service_tier,
            )
          : null;
        const cost = picos === null ? null : formatPicos(picos);
        const src = picos === null ? "unpriced" : "computed";
        if (cost !== r.cost_usd || src !== r.cost_source) changes.push({ event_id: r.event_id, cost, src });
      }
      const last = rows[rows.length - 1];
      if (last) after = [last.ts, last.id];
      if (changes.length === 0 || options.dryRun) {
        updated += changes.length;
        continue;
      }
      const [res] = await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock_shared(${FOLD_LOCK})`;
        return tx.unsafe<{ updated: number; delta: string }[]>(APPLY, [projectId, JSON.stringify(changes)]);
      });
      updated += res?.updated ?? 0;
      delta += signedPicos(res?.delta ?? "0");
    }
  } finally {
    await lock`SELECT pg_advisory_unlock(${REPRICE_LOCK}, hashtext(${projectId}::text))`;
    lock.release();
  }
  return { scanned, updated, deltaUsd: formatPicos(delta) };
}

function signedPicos(decimal: string): bigint {
  return decimal.startsWith("-") ? -parseUsdToPicos(decimal.slice(1)) : parseUsdToPicos(decimal);
}
