import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatPicos, parseUsdToPicos } from "../../lib/money";
import { NON_STANDARD_TIERS } from "../../lib/service-tier";
import { cliffTop, isBoundary, TOKEN_BAND_BOUNDARIES, TOKEN_BANDS_SQL, tokenBand } from "../../lib/token-bands";
import { loadCatalog, priceEntrySchema, toPrice, type Price } from "./catalog";
import { computeTierCostPicos } from "./compute";
import { buildReceipt, type ReceiptCall } from "./receipt";
import { createPriceResolver } from "./resolve";

const resolver = createPriceResolver(loadCatalog());
function priceOf(provider: string, model: string, day: string): Price {
  const price = resolver.resolve(provider, model, new Date(`${day}T12:00:00Z`));
  if (!price) throw new Error(`no price for ${provider}/${model}`);
  return price;
}

describe("service tiers, priced by hand", () => {
  it("openai gpt-5 batch and flex are half of standard, priority double; a tier without a price is null", () => {
    const p = priceOf("openai", "gpt-5", "2025-09-01");
    const call = { inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 1_000 };
    // standard: 6,000 × 1.25 + 4,000 × 0.125 + 1,000 × 10 µ$ = 7,500,000 + 500,000 + 10,000,000 pico·1e3
    expect(formatPicos(computeTierCostPicos(p, call, "standard") ?? -1n)).toBe("0.018000000000");
    // batch/flex: 6,000 × 0.625 + 4,000 × 0.0625 + 1,000 × 5 = 3,750,000 + 250,000 + 5,000,000 (×1e3 pico)
    expect(formatPicos(computeTierCostPicos(p, call, "batch") ?? -1n)).toBe("0.009000000000");
    expect(formatPicos(computeTierCostPicos(p, call, "flex") ?? -1n)).toBe("0.009000000000");
    expect(formatPicos(computeTierCostPicos(p, call, "priority") ?? -1n)).toBe("0.036000000000");
    // gpt-4o publishes batch but no flex: flex stays unpriced, never standard.
    expect(computeTierCostPicos(priceOf("openai", "gpt-4o", "2025-01-15"), call, "flex")).toBeNull();
  });

  it("anthropic batch halves cache writes too, and the long-context tier applies inside the batch tier", () => {
    const p = priceOf("anthropic", "claude-sonnet-4-5", "2025-10-01");
    // 250,000 in (> 200k threshold): 100,000 cache reads, 50,000 writes, 100,000 uncached; 2,000 out.
    // batch long tier = half of 6.00 / 0.60 / 7.50 / 22.50 = 3.00 / 0.30 / 3.75 / 11.25
    // 100,000×3.00 + 100,000×0.30 + 50,000×3.75 + 2,000×11.25 = 300,000 + 30,000 + 187,500 + 22,500 µ$·1e-6·1e6
    const call = { inputTokens: 250_000, cachedInputTokens: 100_000, cacheWriteTokens: 50_000, outputTokens: 2_000 };
    expect(formatPicos(computeTierCostPicos(p, call, "batch") ?? -1n)).toBe("0.540000000000");
    expect(computeTierCostPicos(p, call, "priority")).toBeNull();
  });

  it("deepseek and xai publish no batch price: unpriced", () => {
    const call = { inputTokens: 100, outputTokens: 10 };
    expect(computeTierCostPicos(priceOf("deepseek", "deepseek-chat", "2026-05-01"), call, "batch")).toBeNull();
    expect(computeTierCostPicos(priceOf("xai", "grok-4", "2025-08-01"), call, "batch")).toBeNull();
  });

  it("tier prices follow the row's history (o3 batch before and after the 2025-06-10 cut)", () => {
    const call = { inputTokens: 1_000_000, outputTokens: 0 };
    expect(formatPicos(computeTierCostPicos(priceOf("openai", "o3", "2025-05-01"), call, "batch") ?? -1n)).toBe("5.000000000000");
    expect(formatPicos(computeTierCostPicos(priceOf("openai", "o3", "2025-07-01"), call, "batch") ?? -1n)).toBe("1.000000000000");
  });

  it("custom prices accept service tiers and a context window", () => {
    const e = priceEntrySchema.parse({
      provider: "acme", model: "m", input: "1", output: "2", contextWindow: 32000,
      serviceTiers: { batch: { input: "0.5", output: "1" } }, effectiveFrom: "2025-01-01", source: "contract",
    });
    expect(toPrice(e).serviceTiers.batch?.inputMicroPerM).toBe(500_000n);
    expect(() => priceEntrySchema.parse({ ...e, serviceTiers: { turbo: { input: "1", output: "1" } } })).toThrow();
  });
});

describe("token bands cover the catalog", () => {
  it("every long-context threshold, its cliff margin and every context window is a band boundary", () => {
    for (const e of loadCatalog()) {
      const all = [e, ...NON_STANDARD_TIERS.map((t) => e.serviceTiers?.[t]).filter((r) => r !== undefined)];
      for (const r of all) {
        const t = r.longContext?.thresholdTokens;
        if (t !== undefined) {
          expect(isBoundary(t), `${e.model} threshold ${t}`).toBe(true);
          expect(isBoundary(cliffTop(t)), `${e.model} cliff ${cliffTop(t)}`).toBe(true);
        }
      }
      expect(e.contextWindow, `${e.model} has a context window`).toBeDefined();
      if (e.contextWindow !== undefined) expect(isBoundary(e.contextWindow), `${e.model} window`).toBe(true);
    }
  });

  it("bands split at boundaries: a prompt of exactly the threshold is not above it", () => {
    expect(tokenBand(0)).toBe(0);
    const i = TOKEN_BAND_BOUNDARIES.indexOf(200_000);
    expect(tokenBand(200_000)).toBe(i);
    expect(tokenBand(200_001)).toBe(i + 1);
  });

  it("the migration backfilled with the same boundaries", () => {
    const sqlText = readFileSync(new URL("../../../drizzle/0015_cost_intelligence.sql", import.meta.url), "utf8");
    expect(sqlText).toContain(TOKEN_BANDS_SQL);
  });
});

describe("receipts", () => {
  const call = (over: Partial<ReceiptCall>): ReceiptCall => ({
    provider: "openai", inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 1_000, reasoningTokens: 600,
    serviceTier: "standard", costSource: "computed", storedCostPicos: null, ...over,
  });
  const sum = (lines: { amountUsd: string | null }[]) => lines.reduce((s, l) => s + parseUsdToPicos(l.amountUsd ?? "0"), 0n);

  it("lines are quantity × unit price and add up to the stored cost; reasoning shown inside output", () => {
    const p = priceOf("openai", "gpt-5", "2025-09-01");
    const r = buildReceipt(p, call({ storedCostPicos: parseUsdToPicos("0.018") }));
    expect(r.lines).toEqual([
      { kind: "uncached_input", tokens: 6000, unitPriceUsdPerMTok: "1.25", amountUsd: "0.007500000000" },
      { kind: "cache_read", tokens: 4000, unitPriceUsdPerMTok: "0.125", amountUsd: "0.000500000000" },
      { kind: "cache_write", tokens: 0, unitPriceUsdPerMTok: "1.25", amountUsd: "0.000000000000" },
      { kind: "output", tokens: 1000, unitPriceUsdPerMTok: "10", amountUsd: "0.010000000000", reasoningTokens: 600 },
    ]);
    expect(r.totalUsd).toBe("0.018000000000");
    expect(r.tier).toBe("base");
    expect(r.warnings).toEqual([]);
  });

  it("a reported or stale cost gets an adjustment line so the receipt still adds up", () => {
    const p = priceOf("openai", "gpt-5", "2025-09-01");
    const reported = buildReceipt(p, call({ costSource: "reported", storedCostPicos: parseUsdToPicos("0.02") }));
    expect(reported.lines.at(-1)).toMatchObject({ kind: "adjustment", amountUsd: "0.002000000000" });
    expect(sum(reported.lines)).toBe(parseUsdToPicos("0.02"));
    const stale = buildReceipt(p, call({ storedCostPicos: parseUsdToPicos("0.0175") }));
    expect(stale.lines.at(-1)).toMatchObject({ kind: "adjustment", amountUsd: "-0.000500000000" });
    expect(stale.warnings.join(" ")).toMatch(/reprice/);
  });

  it("warns on the double-count pattern and unpriced tiers", () => {
    const p = priceOf("anthropic", "claude-sonnet-4-5", "2025-10-01");
    const r = buildReceipt(p, call({ provider: "anthropic", inputTokens: 5000, cachedInputTokens: 5000, reasoningTokens: 0 }));
    expect(r.warnings.join(" ")).toMatch(/cachedInputTokens equal inputTokens/);
    const odd = buildReceipt(p, call({ provider: "anthropic", reasoningTokens: 2000 }));
    expect(odd.warnings.join(" ")).toMatch(/reasoningTokens \(2000\) exceed outputTokens/);
    const flex = buildReceipt(p, call({ provider: "anthropic", serviceTier: "flex", costSource: "unpriced" }));
    expect(flex.totalUsd).toBeNull();
    expect(flex.lines.every((l) => l.amountUsd === null)).toBe(true);
    expect(flex.warnings.join(" ")).toMatch(/no flex price/);
  });
});
