import type { ServiceTier } from "../../lib/service-tier";
import type { Price, Rates } from "./catalog";

/**
 * Token counts of one call, OpenTelemetry style: inputTokens counts EVERY prompt token,
 * including cache reads (cachedInputTokens) and cache writes (cacheWriteTokens). Reasoning
 * tokens are already inside outputTokens and are never billed a second time.
 */
export type TokenUsage = {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number | undefined;
  cacheWriteTokens?: number | undefined;
  /** Informational only: already counted in outputTokens, so it never changes the cost. */
  reasoningTokens?: number | undefined;
};

/** A cost split by what was billed, all in picodollars; `total` is their exact sum. */
export type CostBreakdown = {
  /** "long" when the whole call was priced with the long-context tier. */
  tier: "base" | "long";
  uncachedInput: bigint;
  cachedInput: bigint;
  cacheWrite: bigint;
  output: bigint;
  total: bigint;
};

function tokenCount(name: string, value: number | undefined): bigint {
  if (value === undefined) return 0n;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${String(value)}`);
  }
  return BigInt(value);
}

/**
 * Prices one call exactly. Above a long-context threshold the WHOLE call uses the tier's prices
 * (that is how Anthropic, Google, OpenAI and xAI bill it, not marginally). A missing cached or
 * cache-write price means those tokens bill at the (tier's) input price: never cheaper than the
 * provider could charge, and never free by accident.
 */
export function computeCostBreakdown(price: Rates, usage: TokenUsage): CostBreakdown {
  const input = tokenCount("inputTokens", usage.inputTokens);
  const output = tokenCount("outputTokens", usage.outputTokens);
  const cached = tokenCount("cachedInputTokens", usage.cachedInputTokens);
  const written = tokenCount("cacheWriteTokens", usage.cacheWriteTokens);
  if (cached + written > input) {
    throw new RangeError(
      `cachedInputTokens + cacheWriteTokens (${cached + written}) exceed inputTokens (${input}); ` +
        "inputTokens must include cached and cache-write tokens",
    );
  }

  const lc = price.longContext;
  const useLong = lc !== null && input > BigInt(lc.thresholdTokens);
  const inP = useLong ? lc.inputMicroPerM : price.inputMicroPerM;
  const outP = useLong ? lc.outputMicroPerM : price.outputMicroPerM;
  const cachedP = (useLong ? lc.cachedInputMicroPerM : price.cachedInputMicroPerM) ?? inP;
  const writeP = (useLong ? lc.cacheWriteMicroPerM : price.cacheWriteMicroPerM) ?? inP;

  // µ$ per 1M tokens is exactly 1e-12 $ per token, so tokens × price is already picodollars.
  const uncachedInput = (input - cached - written) * inP;
  const cachedInput = cached * cachedP;
  const cacheWrite = written * writeP;
  const outputCost = output * outP;
  return {
    tier: useLong ? "long" : "base",
    uncachedInput,
    cachedInput,
    cacheWrite,
    output: outputCost,
    total: uncachedInput + cachedInput + cacheWrite + outputCost,
  };
}

/** Exact cost of one call in picodollars (1e-12 USD). Throws RangeError on impossible usage. */
export function computeCostPicos(price: Rates, usage: TokenUsage): bigint {
  return computeCostBreakdown(price, usage).total;
}

/**
 * The rates of a service tier of a price row, or null when the provider publishes no price for
 * that tier: the call is then unpriced, never billed as standard silently.
 */
export function ratesFor(price: Price, serviceTier: ServiceTier | undefined): Rates | null {
  if (serviceTier === undefined || serviceTier === "standard") return price;
  return price.serviceTiers[serviceTier] ?? null;
}

/** Exact cost of a call in a service tier, or null when that tier is unpriced for the model. */
export function computeTierCostPicos(price: Price, usage: TokenUsage, serviceTier: ServiceTier | undefined): bigint | null {
  const rates = ratesFor(price, serviceTier);
  return rates ? computeCostBreakdown(rates, usage).total : null;
}

/** Token sums of many calls (all on the same side of every long-context threshold). */
export type TokenSums = { input: bigint; cached: bigint; written: bigint; output: bigint };

/**
 * Exact cost of many calls from their token sums, in picodollars: cost is linear in tokens on
 * each side of a long-context threshold, so Σ per-call costs = rates × Σ tokens when the caller
 * knows every call is above (`long`) or at/below the threshold. Same fallbacks as one call.
 */
export function costOfTokenSums(rates: Rates, sums: TokenSums, long: boolean): bigint {
  const u = unitRates(rates, long);
  return (sums.input - sums.cached - sums.written) * u.input + sums.cached * u.cached + sums.written * u.write + sums.output * u.output;
}

/** µ$ per 1M tokens (= picodollars per token) of each token type, base or long-context, with the same fallbacks. */
export function unitRates(rates: Rates, long: boolean): { input: bigint; cached: bigint; write: bigint; output: bigint } {
  const lc = long ? rates.longContext : null;
  const input = lc ? lc.inputMicroPerM : rates.inputMicroPerM;
  return {
    input,
    output: lc ? lc.outputMicroPerM : rates.outputMicroPerM,
    cached: (lc ? lc.cachedInputMicroPerM : rates.cachedInputMicroPerM) ?? input,
    write: (lc ? lc.cacheWriteMicroPerM : rates.cacheWriteMicroPerM) ?? input,
  };
}
