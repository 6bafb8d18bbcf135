import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { rawConditions, rollupCanAnswer, rollupConditions } from "~/features/analytics/server";
import type { Filters } from "~/lib/list-filters";
import { parseUsdToPicos } from "~/lib/money";
import { SERVICE_TIERS, type ServiceTier } from "~/lib/service-tier";
import { TOKEN_BAND_BOUNDARIES } from "~/lib/token-bands";
import type { Db } from "~/server/db";
import { TOKEN_MIX_TAIL_COLUMNS } from "~/server/rollups/token-mix";
import { unfoldedEvents } from "~/server/rollups/tail";
import { int8, numeric, queryRows } from "~/server/db/query";

const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 30;

/** One group of calls: same day, feature, model, tier and prompt-size band. Money in picodollars. */
export type MixRow = {
  day: Date;
  feature: string;
  provider: string;
  model: string;
  serviceTier: ServiceTier;
  /** Prompt sizes (low, high] of every call in the row; high null = unbounded. */
  low: number;
  high: number | null;
  calls: bigint;
  unpricedCalls: bigint;
  reportedCalls: bigint;
  input: bigint;
  cached: bigint;
  written: bigint;
  output: bigint;
  reasoning: bigint;
  maxInput: bigint;
  costPicos: bigint;
};

export type DayWindow = { from: Date; to: Date };

/** The whole UTC days covering the filters' window (default: the last 30 days up to today). */
export function dayWindow(f: Filters, now = new Date()): DayWindow {
  const to = new Date(Math.ceil((f.to ?? now).getTime() / DAY_MS) * DAY_MS);
  const from = f.from ? new Date(Math.floor(f.from.getTime() / DAY_MS) * DAY_MS) : new Date(to.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
  return { from, to };
}

const rowSchema = z.object({
  day: z.union([z.string(), z.date()]).transform((v) => new Date(v)),
  feature: z.string(),
  provider: z.string(),
  model: z.string(),
  service_tier: z.enum(SERVICE_TIERS),
  band: z.number(),
  calls: int8,
  unpriced_calls: int8,
  reported_calls: int8,
  input_tokens: int8,
  cached_input_tokens: int8,
  cache_write_tokens: int8,
  output_tokens: int8,
  reasoning_tokens: int8,
  max_input_tokens: int8,
  cost_usd: numeric,
});

/**
 * token_mix_daily over whole days plus the events not folded into it yet, grouped the same way
 * (one row per day, feature, provider, model, tier and band; cost_usd numeric): exact at every
 * instant. `range` must be whole UTC days. Alias it.
 */
export function tokenMixRollup(projectId: string, f: Filters, range: { from: Date | null; to: Date | null }): SQL {
  return sql`(SELECT day, feature, provider, model, service_tier, band::int AS band, sum(calls) AS calls,
      sum(unpriced_calls) AS unpriced_calls, sum(reported_calls) AS reported_calls, sum(input_tokens) AS input_tokens,
      sum(cached_input_tokens) AS cached_input_tokens, sum(cache_write_tokens) AS cache_write_tokens,
      sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens, max(max_input_tokens) AS max_input_tokens,
      sum(cost_usd) AS cost_usd
    FROM (
      SELECT r.day, r.feature, r.provider, r.model, r.service_tier, r.band, r.calls, r.unpriced_calls, r.reported_calls,
        r.input_tokens, r.cached_input_tokens, r.cache_write_tokens, r.output_tokens, r.reasoning_tokens, r.max_input_tokens, r.cost_usd
      FROM token_mix_daily r WHERE ${rollupConditions(projectId, f, range, "day")}
      UNION ALL
      SELECT ${sql.raw(TOKEN_MIX_TAIL_COLUMNS)} FROM ${unfoldedEvents()} WHERE ${rawConditions(projectId, f, range)}
      GROUP BY 1, 2, 3, 4, 5, 6
    ) x GROUP BY 1, 2, 3, 4, 5, 6)`;
}

const signed = (s: string) => (s.startsWith("-") ? -parseUsdToPicos(s.slice(1)) : parseUsdToPicos(s));

/**
 * The window's token mix. Read from token_mix_daily when it can answer exactly: filters it has
 * and only the catalog's band boundaries. Extra boundaries (a custom price's threshold or context
 * window) or other filters (user, status) group the raw events the same way instead — exact, slower.
 */
export async function readMix(db: Db, projectId: string, f: Filters, window: DayWindow, extraBounds: number[] = []): Promise<MixRow[]> {
  const extra = extraBounds.filter((b) => Number.isSafeInteger(b) && b > 0 && !TOKEN_BAND_BOUNDARIES.includes(b));
  const bounds = [...new Set([...TOKEN_BAND_BOUNDARIES, ...extra])].sort((a, b) => a - b);
  const range = { from: window.from, to: window.to };
  let query: SQL;
  if (extra.length === 0 && rollupCanAnswer(f)) {
    query = sql`SELECT m.*, m.cost_usd::text AS cost_usd FROM ${tokenMixRollup(projectId, f, range)} m`;
  } else {
    const arr = sql.raw(`ARRAY[${bounds.join(",")}]::int[]`);
    query = sql`
      SELECT date_trunc('day', e.ts, 'UTC') AS day, e.feature, e.provider, e.model, e.service_tier,
        width_bucket(e.input_tokens - 1, ${arr}) AS band, count(*) AS calls,
        count(*) FILTER (WHERE e.cost_source = 'unpriced') AS unpriced_calls,
        count(*) FILTER (WHERE e.cost_source = 'reported') AS reported_calls,
        sum(e.input_tokens) AS input_tokens, sum(e.cached_input_tokens) AS cached_input_tokens,
        sum(e.cache_write_tokens) AS cache_write_tokens, sum(e.output_tokens) AS output_tokens,
        sum(e.reasoning_tokens) AS reasoning_tokens, max(e.input_tokens) AS max_input_tokens,
        coalesce(sum(e.cost_usd), 0)::text AS cost_usd
      FROM cost_events e WHERE ${rawConditions(projectId, f, range)}
      GROUP BY 1, 2, 3, 4, 5, 6`;
  }
  const rows = await queryRows(db, rowSchema, query);
  return rows.map((r) => ({
    day: r.day,
    feature: r.feature,
    provider: r.provider,
    model: r.model,
    serviceTier: r.service_tier,
    low: r.band === 0 ? -1 : (bounds[r.band - 1] ?? 0),
    high: bounds[r.band] ?? null,
    calls: BigInt(r.calls),
    unpricedCalls: BigInt(r.unpriced_calls),
    reportedCalls: BigInt(r.reported_calls),
    input: BigInt(r.input_tokens),
    cached: BigInt(r.cached_input_tokens),
    written: BigInt(r.cache_write_tokens),
    output: BigInt(r.output_tokens),
    reasoning: BigInt(r.reasoning_tokens),
    maxInput: BigInt(r.max_input_tokens),
    costPicos: signed(r.cost_usd),
  }));
}

/** Every call of a row is above `threshold` (band boundaries guarantee all-or-none). */
export const allAbove = (row: MixRow, threshold: number) => row.low >= threshold;

/** One feature's calls of one model in the window (money in picodollars). */
export type FeatureModelTotals = { feature: string; provider: string; model: string; calls: bigint; input: bigint; cached: bigint; costPicos: bigint };

const totalsRow = z.object({ feature: z.string(), provider: z.string(), model: z.string(), calls: int8, input_tokens: int8, cached_input_tokens: int8, cost_usd: numeric });

/**
 * The window's calls, tokens and cost per feature and model: readMix's figures without the day,
 * tier and band (grouped in the database, a few rows per feature instead of thousands).
 */
export async function readFeatureModelTotals(db: Db, projectId: string, f: Filters, window: DayWindow): Promise<FeatureModelTotals[]> {
  const range = { from: window.from, to: window.to };
  const source = rollupCanAnswer(f)
    ? tokenMixRollup(projectId, f, range)
    : sql`(SELECT e.feature, e.provider, e.model, count(*) AS calls, sum(e.input_tokens) AS input_tokens,
        sum(e.cached_input_tokens) AS cached_input_tokens, coalesce(sum(e.cost_usd), 0) AS cost_usd
      FROM cost_events e WHERE ${rawConditions(projectId, f, range)} GROUP BY 1, 2, 3)`;
  const rows = await queryRows(
    db,
    totalsRow,
    sql`SELECT m.feature, m.provider, m.model, sum(m.calls) AS calls, sum(m.input_tokens) AS input_tokens,
        sum(m.cached_input_tokens) AS cached_input_tokens, sum(m.cost_usd)::text AS cost_usd
      FROM ${source} m GROUP BY 1, 2, 3`,
  );
  return rows.map((r) => ({
    feature: r.feature,
    provider: r.provider,
    model: r.model,
    calls: BigInt(r.calls),
    input: BigInt(r.input_tokens),
    cached: BigInt(r.cached_input_tokens),
    costPicos: signed(r.cost_usd),
  }));
}
