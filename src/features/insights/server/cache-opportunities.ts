import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { canonicalProvider, ratesFor } from "~/features/pricing";
import { getPricer } from "~/features/pricing/server";
import type { Filters } from "~/lib/list-filters";
import { divRoundHalfEven, formatPicos } from "~/lib/money";
import type { Db } from "~/server/db";
import { queryRows } from "~/server/db/query";
import { analysePrefixes, CACHE_RULES, CHARS_PER_TOKEN, minTokensFor } from "../cache-rules";
import { dayWindow, readFeatureModelTotals } from "./mix";

const SAMPLE_CALLS = 300; // latest calls per feature read with their prompt text: enough for a share
const MAX_FEATURES = 20; // the costliest features; the rest rarely move the monthly total
const TEXT_CHARS = 32_768; // prefixes longer than ~8k tokens are counted at this length
const DAY_MS = 86_400_000;
const MONTH_DAYS = 30n;

export type CacheOpportunity = {
  feature: string;
  provider: string;
  model: string;
  calls: string;
  sampleCalls: number;
  /** Share of sampled calls whose prompt starts with a prefix of at least minCacheableTokens shared with another call. */
  sharedPrefixShare: number;
  avgPrefixTokens: number;
  medianGapSeconds: number | null;
  cacheLifetimeSeconds: number;
  minCacheableTokens: number;
  /** Cache reads already present: cached / input tokens in the window. */
  alreadyCaching: boolean;
  hitRate: number;
  /** Sampled repeat calls within the lifetime that did not read from the cache. */
  missedHitShare: number;
  monthlySavingUsd: string;
  rule: string;
};

export type CacheOpportunitiesResult = { window: { from: string; to: string }; features: CacheOpportunity[]; assumptions: string[] };

const sampleRow = z.object({ ts: z.union([z.string(), z.date()]), hash: z.string(), input_tokens: z.number(), cached_input_tokens: z.number() });
const textRow = z.object({ hash: z.string(), text: z.string() });

/**
 * Where provider prompt caching would pay, per feature: the latest calls' prompts are grouped by
 * their first minimum-cacheable tokens; repeats within the cache lifetime would read the prefix at
 * the cached price, each new run writes it (at the write premium where the provider charges one).
 * The sample's net saving per call is scaled to the feature's calls and to 30 days.
 */
export async function cacheOpportunities(db: Db, projectId: string, f: Filters, now = new Date()): Promise<CacheOpportunitiesResult> {
  const window = dayWindow(f, now);
  const days = BigInt(Math.max(1, Math.round((window.to.getTime() - window.from.getTime()) / DAY_MS)));
  const pricer = await getPricer(db, projectId);
  const rows = await readFeatureModelTotals(db, projectId, f, window);
  type Agg = { calls: bigint; input: bigint; cached: bigint; cost: bigint; models: Map<string, bigint> };
  const byFeature = new Map<string, Agg>();
  for (const r of rows) {
    let a = byFeature.get(r.feature);
    if (!a) {
      a = { calls: 0n, input: 0n, cached: 0n, cost: 0n, models: new Map() };
      byFeature.set(r.feature, a);
    }
    a.calls += r.calls;
    a.input += r.input;
    a.cached += r.cached;
    a.cost += r.costPicos;
    const k = `${r.provider}\u0000${r.model}`;
    a.models.set(k, (a.models.get(k) ?? 0n) + r.calls);
  }
  const top = [...byFeature.entries()].sort(([, a], [, b]) => (b.cost > a.cost ? 1 : b.cost < a.cost ? -1 : 0)).slice(0, MAX_FEATURES);
  // Features are independent: their two sample queries run side by side (the pool serves them).
  const analysed = await Promise.all(
    top.map(async ([feature, agg]): Promise<CacheOpportunity | null> => {
    const [main] = [...agg.models.entries()].sort(([, a], [, b]) => (b > a ? 1 : b < a ? -1 : 0));
    if (!main) return null;
    const [provider = "", model = ""] = main[0].split("\u0000");
    const price = pricer(provider, model, now);
    const rule = CACHE_RULES[canonicalProvider(provider) ?? price?.provider ?? ""];
    const rates = price ? ratesFor(price, "standard") : null;
    if (!rule || !price || !rates) return null;
    // The latest calls, then each distinct prompt's text once (repeats share a prompt row).
    const calls = await queryRows(db, sampleRow, sql`
      SELECT e.ts, encode(e.prompt_hash, 'hex') AS hash, e.input_tokens, e.cached_input_tokens
      FROM cost_events e
      WHERE e.project_id = ${projectId} AND e.feature = ${feature} AND e.provider = ${provider} AND e.model = ${model}
        AND e.prompt_hash IS NOT NULL AND e.ts >= ${window.from.toISOString()}::timestamptz AND e.ts < ${window.to.toISOString()}::timestamptz
      ORDER BY e.ts DESC LIMIT ${SAMPLE_CALLS}`);
    const hashes = [...new Set(calls.map((c) => c.hash))];
    const texts = hashes.length === 0 ? [] : await queryRows(db, textRow, sql`
      SELECT encode(hash, 'hex') AS hash, left(text, ${TEXT_CHARS}) AS text FROM prompts
      WHERE project_id = ${projectId} AND hash IN (${sql.join(hashes.map((h) => sql`decode(${h}, 'hex')`), sql`, `)})`);
    const textOf = new Map(texts.map((t) => [t.hash, t.text]));
    const sample = calls.flatMap((c) => {
      const text = textOf.get(c.hash);
      return text === undefined ? [] : [{ ...c, text }];
    });
    if (sample.length === 0) return null;
    const minTokens = minTokensFor(rule, price.model);
    const stats = analysePrefixes(
      sample.map((s) => ({ ts: new Date(s.ts).getTime(), text: s.text, inputTokens: s.input_tokens, cachedTokens: s.cached_input_tokens })),
      minTokens,
      rule.lifetimeSeconds,
    );
    const inP = rates.inputMicroPerM;
    const readP = rates.cachedInputMicroPerM ?? inP;
    const writeP = rule.writePremium ? (rates.cacheWriteMicroPerM ?? inP) : inP;
    // Already caching: only the hits it still misses count; otherwise every hit would be new.
    const alreadyCaching = agg.cached > 0n;
    const hitTokens = alreadyCaching ? stats.missedHitTokens : stats.hitTokens;
    const netSample = hitTokens * (inP - readP) - stats.writeTokens * (writeP - inP);
    const monthly = netSample > 0n ? divRoundHalfEven(netSample * agg.calls * MONTH_DAYS, BigInt(sample.length) * days) : 0n;
    return {
      feature,
      provider,
      model,
      calls: agg.calls.toString(),
      sampleCalls: sample.length,
      sharedPrefixShare: stats.sharedCalls / sample.length,
      avgPrefixTokens: stats.hits + stats.writes === 0 ? 0 : Number((stats.hitTokens + stats.writeTokens) / BigInt(stats.hits + stats.writes)),
      medianGapSeconds: stats.medianGapSeconds,
      cacheLifetimeSeconds: rule.lifetimeSeconds,
      minCacheableTokens: minTokens,
      alreadyCaching,
      hitRate: agg.input === 0n ? 0 : Number((agg.cached * 10_000n) / agg.input) / 10_000,
      missedHitShare: stats.hits === 0 ? 0 : stats.missedHits / stats.hits,
      monthlySavingUsd: formatPicos(monthly),
      rule: rule.rule,
    };
    }),
  );
  const out = analysed.filter((o): o is CacheOpportunity => o !== null);
  out.sort((a, b) => {
    const d = BigInt(b.monthlySavingUsd.replace(".", "")) - BigInt(a.monthlySavingUsd.replace(".", ""));
    return d > 0n ? 1 : d < 0n ? -1 : 0;
  });
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    features: out,
    assumptions: [
      `Prefix lengths are estimated at ${CHARS_PER_TOKEN} characters per token from the stored prompt text (the last user turn the client sent); prompts stored truncated or not stored cannot show their prefix.`,
      `Each feature is sampled on its latest ${SAMPLE_CALLS} calls of its most used model; the sample's net saving per call is scaled to the feature's calls in the window and to 30 days.`,
      "A repeat within the provider's cache lifetime is a hit (prefix read at the cached price); any other call writes the prefix (at the write premium where the provider charges one).",
      "Features already caching count only the hits they still miss.",
      `Only the ${MAX_FEATURES} costliest features are analysed, at today's standard prices.`,
    ],
  };
}
