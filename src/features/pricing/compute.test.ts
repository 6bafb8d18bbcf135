import { describe, expect, it } from "vitest";
import { formatPicos } from "../../lib/money";
import { seededRandom } from "../../lib/seeded-random";
import { loadCatalog, toPrice, type Price } from "./catalog";
import { computeCostBreakdown, computeCostPicos, type TokenUsage } from "./compute";
import { createPriceResolver } from "./resolve";

const resolver = createPriceResolver(loadCatalog());

function priceOf(provider: string, model: string, day: string): Price {
  const price = resolver.resolve(provider, model, new Date(`${day}T12:00:00Z`));
  if (!price) throw new Error(`no price for ${provider}/${model}`);
  return price;
}

/** Cost as a 12-decimal USD string, so expectations read like invoices. */
const usd = (provider: string, model: string, day: string, usage: TokenUsage) =>
  formatPicos(computeCostPicos(priceOf(provider, model, day), usage));

// Each expectation is worked out by hand: tokens × USD per 1M tokens, written in µ$ (= picos per token).
describe("representative calls, pinned to the picodollar", () => {
  it("openai gpt-4o: cached tokens are billed once, at the cached price", () => {
    // 1,000 in (200 cached), 500 out: 800×2.50 + 200×1.25 + 500×10.00 µ$/tok·1e-6
    // = 2,000,000,000 + 250,000,000 + 5,000,000,000 pico = $0.00725
    const usage = { inputTokens: 1000, cachedInputTokens: 200, outputTokens: 500 };
    expect(usd("openai", "gpt-4o", "2025-01-15", usage)).toBe("0.007250000000");
    // (Billing the 200 cached tokens at the full price as well would have given $0.00775.)
  });

  it("openai o3: reasoning tokens are inside output and not billed again", () => {
    // after the 2025-06-10 cut: 2,000 in × 2.00 + 5,000 out (4,000 of them reasoning) × 8.00
    // = 4,000,000,000 + 40,000,000,000 = $0.044
    const call = { inputTokens: 2000, outputTokens: 5000, reasoningTokens: 4000 };
    expect(usd("openai", "o3", "2025-07-01", call)).toBe("0.044000000000");
    // before the cut: 2,000 × 10.00 + 5,000 × 40.00 = 20,000,000,000 + 200,000,000,000 = $0.22
    expect(usd("openai", "o3", "2025-05-01", call)).toBe("0.220000000000");
  });

  it("openai gpt-5.4: the whole call moves to the long-context tier above 272k input", () => {
    // 300,000 in (100,000 cached), 2,000 out, tier prices 5.00 / 0.50 / 22.50:
    // 200,000×5.00 + 100,000×0.50 + 2,000×22.50 = 1,000,000,000,000 + 50,000,000,000 + 45,000,000,000
    expect(usd("openai", "gpt-5.4", "2026-06-01", { inputTokens: 300_000, cachedInputTokens: 100_000, outputTokens: 2000 })).toBe(
      "1.095000000000",
    );
    // exactly 272,000 in is not above the threshold: 272,000×2.50 + 2,000×15.00 = 680,000,000,000 + 30,000,000,000
    expect(usd("openai", "gpt-5.4", "2026-06-01", { inputTokens: 272_000, outputTokens: 2000 })).toBe("0.710000000000");
  });

  it("openai gpt-5.6-terra: cache writes have their own price", () => {
    // 10,000 in (6,000 cache read, 3,000 cache write), 1,000 out:
    // 1,000×2.50 + 6,000×0.25 + 3,000×3.125 + 1,000×15.00
    // = 2,500,000,000 + 1,500,000,000 + 9,375,000,000 + 15,000,000,000 = $0.028375
    const usage = { inputTokens: 10_000, cachedInputTokens: 6000, cacheWriteTokens: 3000, outputTokens: 1000 };
    expect(usd("openai", "gpt-5.6-terra", "2026-07-01", usage)).toBe("0.028375000000");
  });

  it("anthropic claude-sonnet-4-5: cache reads and 5-minute cache writes", () => {
    // 10,000 in (6,000 read, 2,000 written), 800 out: 2,000×3.00 + 6,000×0.30 + 2,000×3.75 + 800×15.00
    // = 6,000,000,000 + 1,800,000,000 + 7,500,000,000 + 12,000,000,000 = $0.0273
    const usage = { inputTokens: 10_000, cachedInputTokens: 6000, cacheWriteTokens: 2000, outputTokens: 800 };
    expect(usd("anthropic", "claude-sonnet-4-5", "2025-10-01", usage)).toBe("0.027300000000");
  });

  it("anthropic claude-sonnet-4: above 200k input tokens every token uses the 1M-context prices", () => {
    // 250,000 in (50,000 read, 10,000 written), 4,000 out at 6.00 / 0.60 / 7.50 / 22.50:
    // 190,000×6.00 + 50,000×0.60 + 10,000×7.50 + 4,000×22.50
    // = 1,140,000,000,000 + 30,000,000,000 + 75,000,000,000 + 90,000,000,000 = $1.335
    const usage = { inputTokens: 250_000, cachedInputTokens: 50_000, cacheWriteTokens: 10_000, outputTokens: 4000 };
    expect(usd("anthropic", "claude-sonnet-4-20250514", "2025-08-01", usage)).toBe("1.335000000000");
    // exactly 200,000 in stays on base prices: 140,000×3.00 + 50,000×0.30 + 10,000×3.75 + 4,000×15.00
    // = 420,000,000,000 + 15,000,000,000 + 37,500,000,000 + 60,000,000,000 = $0.5325
    expect(usd("anthropic", "claude-sonnet-4", "2025-08-01", { ...usage, inputTokens: 200_000 })).toBe("0.532500000000");
  });

  it("anthropic dated snapshot and odd token counts", () => {
    // claude-3-5-haiku-20241022: 1,234×0.80 + 567×4.00 = 987,200,000 + 2,268,000,000 = $0.0032552
    expect(usd("anthropic", "claude-3-5-haiku-20241022", "2025-01-10", { inputTokens: 1234, outputTokens: 567 })).toBe(
      "0.003255200000",
    );
    // claude-haiku-4-5: 12,345 in (1,111 read, 2,222 written), 6,789 out:
    // 9,012×1.00 + 1,111×0.10 + 2,222×1.25 + 6,789×5.00
    // = 9,012,000,000 + 111,100,000 + 2,777,500,000 + 33,945,000,000 = $0.0458456
    const usage = { inputTokens: 12_345, cachedInputTokens: 1111, cacheWriteTokens: 2222, outputTokens: 6789 };
    expect(usd("anthropic", "claude-haiku-4-5", "2025-11-01", usage)).toBe("0.045845600000");
  });

  it("google gemini-2.5-pro: tier above 200k prompt tokens", () => {
    // 200,000 in is not above: 200,000×1.25 + 1,000×10.00 = 250,000,000,000 + 10,000,000,000
    expect(usd("google", "gemini-2.5-pro", "2025-08-01", { inputTokens: 200_000, outputTokens: 1000 })).toBe("0.260000000000");
    // 200,001 in: 200,001×2.50 + 1,000×15.00 = 500,002,500,000 + 15,000,000,000
    expect(usd("google", "gemini-2.5-pro", "2025-08-01", { inputTokens: 200_001, outputTokens: 1000 })).toBe("0.515002500000");
    // 300,000 in (100,000 cached), 5,000 out incl. thinking: 200,000×2.50 + 100,000×0.25 + 5,000×15.00
    // = 500,000,000,000 + 25,000,000,000 + 75,000,000,000 = $0.60
    const usage = { inputTokens: 300_000, cachedInputTokens: 100_000, outputTokens: 5000, reasoningTokens: 3000 };
    expect(usd("gemini", "gemini-2.5-pro", "2025-08-01", usage)).toBe("0.600000000000");
  });

  it("google small prices keep every picodollar", () => {
    // gemini-2.5-flash-lite: 7×0.10 + 3×0.40 = 700,000 + 1,200,000 pico
    expect(usd("google", "gemini-2.5-flash-lite", "2025-09-01", { inputTokens: 7, outputTokens: 3 })).toBe("0.000001900000");
    // gemini-1.5-flash: 1,000 in (999 cached): 1×0.075 + 999×0.01875 = 75,000 + 18,731,250 pico
    expect(
      usd("google", "gemini-1.5-flash-002", "2024-12-01", { inputTokens: 1000, cachedInputTokens: 999, outputTokens: 0 }),
    ).toBe("0.000018806250");
  });

  it("mistral: price history, and no cached price means cached tokens bill at the input price", () => {
    // mistral-large-latest mid-2025 = Large 2 at 2.00/6.00: 3,000×2.00 + 1,000×6.00 = 6,000,000,000 + 6,000,000,000
    expect(usd("mistral", "mistral-large-latest", "2025-06-01", { inputTokens: 3000, outputTokens: 1000 })).toBe("0.012000000000");
    // from 2025-12-02 it is Large 3 at 0.50/1.50: 3,000×0.50 + 1,000×1.50 = 1,500,000,000 + 1,500,000,000
    const usage = { inputTokens: 3000, cachedInputTokens: 1000, outputTokens: 1000 };
    expect(usd("mistralai", "mistral-large-latest", "2026-01-01", usage)).toBe("0.003000000000");
  });

  it("deepseek: cache-hit price as cachedInput, across price changes", () => {
    // deepseek-chat after 2025-09-29: 2,000 miss×0.28 + 8,000 hit×0.028 + 2,000×0.42
    // = 560,000,000 + 224,000,000 + 840,000,000 = $0.001624
    const chat = { inputTokens: 10_000, cachedInputTokens: 8000, outputTokens: 2000 };
    expect(usd("deepseek", "deepseek-chat", "2025-10-15", chat)).toBe("0.001624000000");
    // deepseek-reasoner (R1 prices): 500×0.55 + 500×0.14 + 3,000×2.19 = 275,000,000 + 70,000,000 + 6,570,000,000
    const reasoner = { inputTokens: 1000, cachedInputTokens: 500, outputTokens: 3000 };
    expect(usd("deepseek", "deepseek-reasoner", "2025-03-01", reasoner)).toBe("0.006915000000");
    // deepseek-v4-pro after the cache-hit cut: 100,000×0.435 + 900,000×0.003625 + 10,000×0.87
    // = 43,500,000,000 + 3,262,500,000 + 8,700,000,000 = $0.0554625
    const pro = { inputTokens: 1_000_000, cachedInputTokens: 900_000, outputTokens: 10_000 };
    expect(usd("deepseek", "deepseek-v4-pro", "2026-06-01", pro)).toBe("0.055462500000");
  });

  it("xai grok-4-fast: its tier above 128k, and grok-code-fast-1", () => {
    // 100,000 in (20,000 cached), 1,000 out: 80,000×0.20 + 20,000×0.05 + 1,000×0.50
    // = 16,000,000,000 + 1,000,000,000 + 500,000,000 = $0.0175
    expect(
      usd("xai", "grok-4-fast-reasoning", "2025-10-01", { inputTokens: 100_000, cachedInputTokens: 20_000, outputTokens: 1000 }),
    ).toBe("0.017500000000");
    // 150,000 in (20,000 cached): 130,000×0.40 + 20,000×0.05 + 1,000×1.00 = 52,000,000,000 + 1,000,000,000 + 1,000,000,000
    expect(
      usd("x-ai", "grok-4-fast", "2025-10-01", { inputTokens: 150_000, cachedInputTokens: 20_000, outputTokens: 1000 }),
    ).toBe("0.054000000000");
    // grok-code-fast-1: 1,000×0.20 + 4,000×0.02 + 500×1.50 = 200,000,000 + 80,000,000 + 750,000,000
    expect(
      usd("xai", "grok-code-fast-1", "2025-09-15", { inputTokens: 5000, cachedInputTokens: 4000, outputTokens: 500 }),
    ).toBe("0.001030000000");
  });
});

const synthetic: Price = toPrice({
  provider: "test",
  model: "tiered",
  input: "2.00",
  output: "8.00",
  longContext: { thresholdTokens: 1000, input: "4.00", output: "12.00" },
  effectiveFrom: "2025-01-01",
  source: "unit test",
});

describe("computeCostPicos rules", () => {
  it("bills missing cached and cache-write prices at the (tier) input price", () => {
    // base: 100 in (40 cached, 10 written) all at 2.00 → 200,000,000; 0 out
    expect(computeCostPicos(synthetic, { inputTokens: 100, cachedInputTokens: 40, cacheWriteTokens: 10, outputTokens: 0 })).toBe(
      200_000_000n,
    );
    // tier: 2,000 in (500 cached) all at 4.00 → 8,000,000,000; 10 out × 12.00 → 120,000,000
    const b = computeCostBreakdown(synthetic, { inputTokens: 2000, cachedInputTokens: 500, outputTokens: 10 });
    expect(b).toEqual({
      tier: "long",
      uncachedInput: 6_000_000_000n,
      cachedInput: 2_000_000_000n,
      cacheWrite: 0n,
      output: 120_000_000n,
      total: 8_120_000_000n,
    });
  });

  it("costs nothing for an empty call", () => {
    expect(computeCostPicos(synthetic, { inputTokens: 0, outputTokens: 0 })).toBe(0n);
  });

  it("handles the largest token counts exactly", () => {
    // 9,007,199,254,740,991 output tokens × 8.00 (base tier: no input) with no float rounding
    const n = Number.MAX_SAFE_INTEGER;
    expect(computeCostPicos(synthetic, { inputTokens: 0, outputTokens: n })).toBe(72_057_594_037_927_928_000_000n);
  });

  it.each<[string, TokenUsage]>([
    ["cached + written > input", { inputTokens: 100, cachedInputTokens: 60, cacheWriteTokens: 41, outputTokens: 0 }],
    ["cached > input", { inputTokens: 10, cachedInputTokens: 11, outputTokens: 0 }],
    ["negative input", { inputTokens: -1, outputTokens: 0 }],
    ["negative output", { inputTokens: 1, outputTokens: -5 }],
    ["fractional tokens", { inputTokens: 1.5, outputTokens: 0 }],
    ["NaN tokens", { inputTokens: Number.NaN, outputTokens: 0 }],
    ["unsafe integer", { inputTokens: 2 ** 53, outputTokens: 0 }],
    ["negative cached", { inputTokens: 10, cachedInputTokens: -1, outputTokens: 0 }],
  ])("rejects %s", (_name, usage) => {
    expect(() => computeCostPicos(synthetic, usage)).toThrow(RangeError);
  });
});

// Deterministic PRNG so a failure reproduces.
const rng = seededRandom;

describe("properties over every catalog price", () => {
  const prices = loadCatalog().map((e) => toPrice(e));
  const rand = rng(20261125);
  const int = (max: number) => Math.floor(rand() * (max + 1));

  function randomUsage(price: Price): Required<Omit<TokenUsage, "reasoningTokens">> {
    // Half the samples sit around the long-context threshold, where the price jumps.
    const t = price.longContext?.thresholdTokens;
    const inputTokens = t !== undefined && rand() < 0.5 ? t - 50 + int(100) : int(400_000);
    const cachedInputTokens = int(inputTokens);
    const cacheWriteTokens = int(inputTokens - cachedInputTokens);
    return { inputTokens, cachedInputTokens, cacheWriteTokens, outputTokens: int(50_000) };
  }

  it("equals the per-component sum, computed another way", () => {
    for (const price of prices) {
      for (let i = 0; i < 40; i++) {
        const u = randomUsage(price);
        const long = price.longContext !== null && u.inputTokens > price.longContext.thresholdTokens;
        const tier = long && price.longContext ? price.longContext : price;
        const inP = tier.inputMicroPerM;
        const cachedP = tier.cachedInputMicroPerM ?? inP;
        const writeP = tier.cacheWriteMicroPerM ?? inP;
        // all input at full price, minus the discount (or plus the premium) on cached/written tokens
        const expected =
          BigInt(u.inputTokens) * inP -
          BigInt(u.cachedInputTokens) * (inP - cachedP) -
          BigInt(u.cacheWriteTokens) * (inP - writeP) +
          BigInt(u.outputTokens) * tier.outputMicroPerM;
        const b = computeCostBreakdown(price, u);
        expect(b.total).toBe(expected);
        expect(b.uncachedInput + b.cachedInput + b.cacheWrite + b.output).toBe(b.total);
        expect(b.tier).toBe(long ? "long" : "base");
      }
    }
  });

  it("never decreases when any token count grows", () => {
    for (const price of prices) {
      for (let i = 0; i < 40; i++) {
        const u = randomUsage(price);
        const base = computeCostPicos(price, u);
        const k = 1 + int(5000);
        // cached and written tokens are part of the input, so the input grows with them
        const grown: TokenUsage[] = [
          { ...u, inputTokens: u.inputTokens + k },
          { ...u, outputTokens: u.outputTokens + k },
          { ...u, inputTokens: u.inputTokens + k, cachedInputTokens: u.cachedInputTokens + k },
          { ...u, inputTokens: u.inputTokens + k, cacheWriteTokens: u.cacheWriteTokens + k },
        ];
        for (const g of grown) expect(computeCostPicos(price, g) >= base).toBe(true);
      }
    }
  });
});
