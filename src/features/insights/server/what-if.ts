import "server-only";
import { costOfTokenSums, ratesFor, type Price, type Rates } from "~/features/pricing";
import { getPricer, type Pricer } from "~/features/pricing/server";
import { formatPicos } from "~/lib/money";
import type { ServiceTier } from "~/lib/service-tier";
import type { Db } from "~/server/db";
import type { WhatIfInput, WhatIfTarget } from "../schemas";
import { allAbove, dayWindow, readMix, type MixRow } from "./mix";

export type WhatIfTargetResult = {
  provider: string;
  model: string;
  serviceTier: ServiceTier;
  /** The catalog (or custom) row the target resolved to; null when it has no price at all. */
  resolved: { provider: string; model: string; contextWindow: number | null } | null;
  /** False when the target has no price (or none for its tier) on some day of the window. */
  priced: boolean;
  /** Parts of the mix the target has no own price for (billed at its input price, as ingestion would). */
  missingPrices: ("cache_read" | "cache_write")[];
  /** Calls whose prompt is larger than the target's context window: they would not fit. */
  callsOverContextWindow: string;
  costUsd: string | null;
  differenceUsd: string | null;
};

export type WhatIfFeature = {
  feature: string;
  calls: string;
  unpricedCalls: string;
  actualCostUsd: string;
  targets: { costUsd: string | null; differenceUsd: string | null }[];
};

export type WhatIfResult = {
  window: { from: string; to: string };
  actualCostUsd: string;
  targets: WhatIfTargetResult[];
  features: WhatIfFeature[];
  assumptions: string[];
};

const sameModel = (a: Price, b: Price) => a.provider === b.provider && a.model === b.model && a.isOverride === b.isOverride;

type Acc = { cost: bigint; unpriced: boolean; missing: Set<"cache_read" | "cache_write">; over: bigint };

/** The target cost of one mix row, or null when the target has no price for it. */
function rowCost(row: MixRow, own: Price | null, target: Price | null, tier: ServiceTier, acc: Acc): bigint | null {
  // Traffic already on the target model and tier stays as it is: exactly its actual cost.
  if (own && target && sameModel(own, target) && row.serviceTier === tier) return row.costPicos;
  const rates: Rates | null = target ? ratesFor(target, tier) : null;
  if (!target || !rates) return null;
  const long = rates.longContext !== null && allAbove(row, rates.longContext.thresholdTokens);
  const lc = long ? rates.longContext : null;
  if (row.cached > 0n && (lc ? lc.cachedInputMicroPerM : rates.cachedInputMicroPerM) === null) acc.missing.add("cache_read");
  if (row.written > 0n && (lc ? lc.cacheWriteMicroPerM : rates.cacheWriteMicroPerM) === null) acc.missing.add("cache_write");
  if (target.contextWindow !== null && allAbove(row, target.contextWindow)) acc.over += row.calls;
  return costOfTokenSums(rates, row, long);
}

/**
 * Reprices the window's real token mix under each target, per day with the price in effect that
 * day, per prompt-size band so the long-context tier applies exactly to the calls above it.
 */
export async function whatIf(db: Db, projectId: string, input: WhatIfInput, now = new Date()): Promise<WhatIfResult> {
  const window = dayWindow(input, now);
  const pricer: Pricer = await getPricer(db, projectId);
  // Thresholds and windows of the targets not on a catalog boundary make the read group raw events.
  const probe = input.targets.map((t) => pricer(t.provider, t.model, window.to));
  const extra = probe.flatMap((p) => (p ? [p.longContext?.thresholdTokens, p.contextWindow, ...Object.values(p.serviceTiers).map((r) => r.longContext?.thresholdTokens)] : []))
    .filter((n): n is number => typeof n === "number");
  const rows = await readMix(db, projectId, input, window, extra);

  const accs: Acc[] = input.targets.map(() => ({ cost: 0n, unpriced: false, missing: new Set(), over: 0n }));
  const byFeature = new Map<string, { calls: bigint; unpriced: bigint; actual: bigint; targets: (bigint | null)[] }>();
  let actual = 0n;
  for (const row of rows) {
    const own = pricer(row.provider, row.model, row.day);
    let f = byFeature.get(row.feature);
    if (!f) {
      f = { calls: 0n, unpriced: 0n, actual: 0n, targets: input.targets.map(() => 0n) };
      byFeature.set(row.feature, f);
    }
    f.calls += row.calls;
    f.unpriced += row.unpricedCalls;
    f.actual += row.costPicos;
    actual += row.costPicos;
    input.targets.forEach((t: WhatIfTarget, i) => {
      const acc = accs[i];
      if (!acc) return;
      const cost = rowCost(row, own, pricer(t.provider, t.model, row.day), t.serviceTier, acc);
      if (cost === null) {
        acc.unpriced = true;
        f.targets[i] = null;
        return;
      }
      acc.cost += cost;
      const cur = f.targets[i];
      if (cur !== null && cur !== undefined) f.targets[i] = cur + cost;
    });
  }
  const targets = input.targets.map((t, i): WhatIfTargetResult => {
    const acc = accs[i] ?? { cost: 0n, unpriced: true, missing: new Set(), over: 0n };
    const p = probe[i] ?? null;
    const priced = p !== null && ratesFor(p, t.serviceTier) !== null && !acc.unpriced;
    return {
      ...t,
      resolved: p ? { provider: p.provider, model: p.model, contextWindow: p.contextWindow } : null,
      priced,
      missingPrices: [...acc.missing].sort(),
      callsOverContextWindow: acc.over.toString(),
      costUsd: priced ? formatPicos(acc.cost) : null,
      differenceUsd: priced ? formatPicos(acc.cost - actual) : null,
    };
  });
  const features = [...byFeature.entries()]
    .sort(([, a], [, b]) => (b.actual > a.actual ? 1 : b.actual < a.actual ? -1 : 0))
    .map(([feature, f]): WhatIfFeature => ({
      feature,
      calls: f.calls.toString(),
      unpricedCalls: f.unpriced.toString(),
      actualCostUsd: formatPicos(f.actual),
      targets: f.targets.map((c) => ({ costUsd: c === null ? null : formatPicos(c), differenceUsd: c === null ? null : formatPicos(c - f.actual) })),
    }));
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    actualCostUsd: formatPicos(actual),
    targets,
    features,
    assumptions: [
      "Whole UTC days; each day priced with the price in effect that day.",
      "Calls already on the target model and tier keep their actual cost.",
      "Token counts stay the same on the target (a different tokenizer would change them).",
      "Unpriced calls count as $0 in the actual cost (see unpricedCalls).",
      "A missing cached or cache-write price bills those tokens at the target's input price.",
    ],
  };
}
