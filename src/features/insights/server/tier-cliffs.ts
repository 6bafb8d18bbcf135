import "server-only";
import { costOfTokenSums, ratesFor } from "~/features/pricing";
import { getPricer } from "~/features/pricing/server";
import type { Filters } from "~/lib/list-filters";
import { formatPicos } from "~/lib/money";
import { CLIFF_MARGIN_PERCENT, cliffTop } from "~/lib/token-bands";
import type { Db } from "~/server/db";
import { dayWindow, readMix } from "./mix";

export type TierCliff = {
  feature: string;
  provider: string;
  model: string;
  thresholdTokens: number;
  calls: string;
  /** Prompt tokens above the threshold, summed: what trimming would have to remove. */
  tokensOverThreshold: string;
  /** What these calls cost (stored). */
  paidUsd: string;
  /** The same tokens billed at the base (under-threshold) rates. */
  underThresholdUsd: string;
  savingUsd: string;
};

export type TierCliffsResult = { window: { from: string; to: string }; marginPercent: number; cliffs: TierCliff[]; totalSavingUsd: string };

/**
 * Calls just above a long-context threshold (within CLIFF_MARGIN_PERCENT of it) that paid the
 * higher rate for the whole request, per feature and model, against the base rate. Priced calls
 * only: an unpriced or reported call has no tier to compare.
 */
export async function tierCliffs(db: Db, projectId: string, f: Filters, now = new Date()): Promise<TierCliffsResult> {
  const window = dayWindow(f, now);
  const pricer = await getPricer(db, projectId);
  const rows = await readMix(db, projectId, f, window);
  const groups = new Map<string, Omit<TierCliff, "calls" | "tokensOverThreshold" | "paidUsd" | "underThresholdUsd" | "savingUsd"> & { calls: bigint; over: bigint; paid: bigint; under: bigint }>();
  for (const row of rows) {
    if (row.unpricedCalls > 0n || row.reportedCalls > 0n) continue;
    const price = pricer(row.provider, row.model, row.day);
    const rates = price ? ratesFor(price, row.serviceTier) : null;
    const lc = rates?.longContext;
    if (!price || !rates || !lc) continue;
    const t = lc.thresholdTokens;
    if (row.low < t || row.high === null || row.high > cliffTop(t)) continue;
    const key = `${row.feature}\u0000${price.provider}\u0000${price.model}\u0000${t}`;
    let g = groups.get(key);
    if (!g) {
      g = { feature: row.feature, provider: price.provider, model: price.model, thresholdTokens: t, calls: 0n, over: 0n, paid: 0n, under: 0n };
      groups.set(key, g);
    }
    g.calls += row.calls;
    g.over += row.input - row.calls * BigInt(t);
    g.paid += row.costPicos;
    g.under += costOfTokenSums(rates, row, false);
  }
  const sorted = [...groups.values()].sort((a, b) => {
    const d = b.paid - b.under - (a.paid - a.under);
    return d > 0n ? 1 : d < 0n ? -1 : 0;
  });
  let total = 0n;
  const cliffs = sorted.map(({ calls, over, paid, under, ...g }): TierCliff => {
    total += paid - under;
    return {
      ...g,
      calls: calls.toString(),
      tokensOverThreshold: over.toString(),
      paidUsd: formatPicos(paid),
      underThresholdUsd: formatPicos(under),
      savingUsd: formatPicos(paid - under),
    };
  });
  return { window: { from: window.from.toISOString(), to: window.to.toISOString() }, marginPercent: CLIFF_MARGIN_PERCENT, cliffs, totalSavingUsd: formatPicos(total) };
}
