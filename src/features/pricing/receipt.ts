import { formatMicroPerM, formatPicos } from "../../lib/money";
import type { ServiceTier } from "../../lib/service-tier";
import { canonicalProvider } from "./resolve";
import type { Price } from "./catalog";
import { computeCostBreakdown, ratesFor, unitRates, type TokenUsage } from "./compute";

export type ReceiptLineKind = "uncached_input" | "cache_read" | "cache_write" | "output" | "adjustment";

export type ReceiptLine = {
  kind: ReceiptLineKind;
  tokens: number;
  /** USD per 1M tokens of this line, as billed (tier and long-context applied); null for adjustments and unpriced calls. */
  unitPriceUsdPerMTok: string | null;
  /** tokens × unit price, exact; null when the call is unpriced. */
  amountUsd: string | null;
  /** Output only: the reasoning tokens inside it (billed as output, never twice). */
  reasoningTokens?: number;
  /** Why an adjustment line exists. */
  note?: string;
};

export type ReceiptCore = {
  lines: ReceiptLine[];
  /** The stored cost, exactly; the lines add up to it. */
  totalUsd: string | null;
  /** "long" when the whole call was billed at the long-context tier; null when unpriced. */
  tier: "base" | "long" | null;
  longContextThresholdTokens: number | null;
  serviceTier: ServiceTier;
  warnings: string[];
};

export type ReceiptCall = TokenUsage & {
  provider: string;
  serviceTier: ServiceTier;
  costSource: "reported" | "computed" | "unpriced";
  /** Picodollars as stored, null when unpriced. */
  storedCostPicos: bigint | null;
};

/** Usage patterns that make a cost look wrong, named so a reader knows what to fix in the client. */
export function usageWarnings(call: ReceiptCall): string[] {
  const out: string[] = [];
  const reasoning = call.reasoningTokens ?? 0;
  if (reasoning > call.outputTokens) {
    out.push(`reasoningTokens (${reasoning}) exceed outputTokens (${call.outputTokens}): output must include reasoning; the client may have sent provider-native counts`);
  }
  const cached = call.cachedInputTokens ?? 0;
  // Anthropic reports input_tokens WITHOUT cache reads; a client that copies cache_read_input_tokens
  // into both fields (or adds nothing) produces exactly this shape: the double-count pattern.
  if (cached > 0 && cached === call.inputTokens && canonicalProvider(call.provider) === "anthropic") {
    out.push("cachedInputTokens equal inputTokens on a provider that reports cache reads separately: the uncached input is probably missing or cache reads were counted twice");
  }
  return out;
}

const micro = (m: bigint) => formatMicroPerM(m);

/**
 * The line items of one stored call: each quantity × unit price = amount, exactly, with the
 * long-context and service tier applied. Lines always add up to the stored cost: a reported cost,
 * or one computed from an earlier price (before `prices:reprice`), gets an adjustment line that
 * says so rather than a receipt that does not add up.
 */
export function buildReceipt(price: Price | null, call: ReceiptCall): ReceiptCore {
  const warnings = usageWarnings(call);
  const stored = call.storedCostPicos;
  const rates = price ? ratesFor(price, call.serviceTier) : null;
  const cached = call.cachedInputTokens ?? 0;
  const written = call.cacheWriteTokens ?? 0;
  const uncached = call.inputTokens - cached - written;
  const reasoning = call.reasoningTokens ?? 0;
  const base = { serviceTier: call.serviceTier, warnings };
  if (price && !rates) warnings.push(`${price.provider} publishes no ${call.serviceTier} price for ${price.model}: the call is unpriced rather than billed as standard`);
  if (!price) warnings.push("no price for this provider and model: unpriced");
  if (!rates || uncached < 0) {
    const lines: ReceiptLine[] = [
      { kind: "uncached_input", tokens: Math.max(uncached, 0), unitPriceUsdPerMTok: null, amountUsd: null },
      { kind: "cache_read", tokens: cached, unitPriceUsdPerMTok: null, amountUsd: null },
      { kind: "cache_write", tokens: written, unitPriceUsdPerMTok: null, amountUsd: null },
      { kind: "output", tokens: call.outputTokens, unitPriceUsdPerMTok: null, amountUsd: null, reasoningTokens: reasoning },
    ];
    if (stored !== null) lines.push({ kind: "adjustment", tokens: 0, unitPriceUsdPerMTok: null, amountUsd: formatPicos(stored), note: "cost reported by the client" });
    return { ...base, lines, totalUsd: stored === null ? null : formatPicos(stored), tier: null, longContextThresholdTokens: null };
  }
  const b = computeCostBreakdown(rates, call);
  const long = b.tier === "long" && rates.longContext !== null;
  const lc = rates.longContext;
  const { input: inP, output: outP, cached: cachedP, write: writeP } = unitRates(rates, long);
  const lines: ReceiptLine[] = [
    { kind: "uncached_input", tokens: uncached, unitPriceUsdPerMTok: micro(inP), amountUsd: formatPicos(b.uncachedInput) },
    { kind: "cache_read", tokens: cached, unitPriceUsdPerMTok: micro(cachedP), amountUsd: formatPicos(b.cachedInput) },
    { kind: "cache_write", tokens: written, unitPriceUsdPerMTok: micro(writeP), amountUsd: formatPicos(b.cacheWrite) },
    { kind: "output", tokens: call.outputTokens, unitPriceUsdPerMTok: micro(outP), amountUsd: formatPicos(b.output), reasoningTokens: reasoning },
  ];
  if (call.costSource === "unpriced") {
    // Nothing was billed in our records: show the rates that would apply, no amounts.
    for (const l of lines) l.amountUsd = null;
    warnings.push("stored as unpriced: a price was added after the call; run prices:reprice to price it");
    return { ...base, lines, totalUsd: null, tier: b.tier, longContextThresholdTokens: lc?.thresholdTokens ?? null };
  }
  const total = stored ?? b.total;
  if (total !== b.total) {
    const note = call.costSource === "reported"
      ? "cost reported by the client, minus the list price above"
      : "stored cost was computed with an earlier price; run prices:reprice to update it";
    lines.push({ kind: "adjustment", tokens: 0, unitPriceUsdPerMTok: null, amountUsd: formatPicos(total - b.total), note });
    if (call.costSource !== "reported") warnings.push(note);
  }
  return {
    ...base,
    lines,
    totalUsd: formatPicos(total),
    tier: b.tier,
    longContextThresholdTokens: lc?.thresholdTokens ?? null,
  };
}
