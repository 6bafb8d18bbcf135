import { describe, expect, it } from "vitest";
import { parseMicroPerM } from "../../lib/money";
import {
  CATALOG_PROVIDERS,
  catalogFileSchema,
  catalogVersion,
  loadCatalog,
  loadCatalogFile,
  priceEntrySchema,
  toPrice,
  type PriceEntry,
} from "./catalog";
import rawFile from "./prices.json";
import { createPriceResolver } from "./resolve";

const entries = loadCatalog();
const micro = (v: string | undefined) => (v === undefined ? undefined : parseMicroPerM(v));

describe("the shipped catalog file", () => {
  it("parses as a whole and is versioned", () => {
    expect(() => catalogFileSchema.parse(rawFile)).not.toThrow();
    const file = loadCatalogFile();
    expect(file.version).toBe("2026-11-26");
    expect(catalogVersion()).toBe(file.version);
    expect(file.currency).toBe("USD");
    expect(file.unit).toBe("per 1M tokens");
    expect(entries.length).toBeGreaterThanOrEqual(50);
  });

  it("has every entry parse on its own, already in normalised form", () => {
    rawFile.models.forEach((raw) => {
      const parsed = priceEntrySchema.safeParse(raw);
      expect(parsed.success, JSON.stringify(raw)).toBe(true);
      expect(parsed.data).toEqual(raw); // nothing for the schema to lowercase or trim
    });
  });

  it("covers all six providers", () => {
    expect(new Set(entries.map((e) => e.provider))).toEqual(new Set(CATALOG_PROVIDERS));
  });

  it("has no duplicate provider + model + effectiveFrom", () => {
    const rows = entries.map((e) => `${e.provider}:${e.model}:${e.effectiveFrom}`);
    expect(new Set(rows).size).toBe(rows.length);
  });

  it("has every alias unique and never equal to a model id", () => {
    const models = new Set(entries.map((e) => `${e.provider}:${e.model}`));
    const owner = new Map<string, string>();
    for (const e of entries) {
      for (const alias of e.aliases ?? []) {
        const k = `${e.provider}:${alias}`;
        expect(models.has(k), `${k} is also a model id`).toBe(false);
        const prev = owner.get(k);
        expect(prev === undefined || prev === e.model, `${k} claimed by ${prev} and ${e.model}`).toBe(true);
        owner.set(k, e.model);
      }
    }
  });

  it("has cached ≤ input ≤ cache write, and long-context prices no lower than the base", () => {
    for (const e of entries) {
      const name = `${e.provider}/${e.model}@${e.effectiveFrom}`;
      const input = parseMicroPerM(e.input);
      if (e.cachedInput !== undefined) expect(parseMicroPerM(e.cachedInput) <= input, name).toBe(true);
      if (e.cacheWrite !== undefined) expect(parseMicroPerM(e.cacheWrite) >= input, name).toBe(true);
      const lc = e.longContext;
      if (!lc) continue;
      expect(parseMicroPerM(lc.input) >= input, name).toBe(true);
      expect(parseMicroPerM(lc.output) >= parseMicroPerM(e.output), name).toBe(true);
      if (lc.cachedInput !== undefined) {
        expect(parseMicroPerM(lc.cachedInput) <= parseMicroPerM(lc.input), name).toBe(true);
        expect(parseMicroPerM(lc.cachedInput) >= (micro(e.cachedInput) ?? 0n), name).toBe(true);
      }
      if (lc.cacheWrite !== undefined) expect(parseMicroPerM(lc.cacheWrite) >= (micro(e.cacheWrite) ?? 0n), name).toBe(true);
    }
  });

  it("dates every price on or before the catalog version and names a page, not a URL", () => {
    for (const e of entries) {
      expect(e.effectiveFrom <= loadCatalogFile().version).toBe(true);
      expect(e.source).not.toMatch(/https?:|www\.|\.com|\.ai\b/);
    }
  });

  it.each([
    ["openai", ["gpt-5.5", "gpt-5.4", "gpt-5.2", "gpt-5.1", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4.1-mini",
      "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini", "o1", "o3", "o3-mini", "o4-mini", "gpt-4-turbo", "gpt-3.5-turbo"]],
    ["anthropic", ["claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", "claude-opus-4",
      "claude-sonnet-4", "claude-3-7-sonnet", "claude-3-5-haiku", "claude-3-haiku", "claude-3-opus"]],
    ["google", ["gemini-3-pro-preview", "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash",
      "gemini-1.5-pro", "gemini-1.5-flash"]],
    ["mistral", ["mistral-large", "mistral-medium", "mistral-small", "codestral", "ministral-8b", "magistral-medium"]],
    ["deepseek", ["deepseek-chat", "deepseek-reasoner"]],
    ["xai", ["grok-4", "grok-4-fast", "grok-3", "grok-3-mini", "grok-code-fast-1"]],
  ] as const)("prices the required %s models", (provider, models) => {
    const resolver = createPriceResolver(entries);
    for (const model of models) {
      expect(resolver.resolve(provider, model, new Date("2026-11-25T00:00:00Z"))?.model, model).toBe(model);
    }
  });

  it("carries the long-context tiers the spec relies on", () => {
    const tier = (model: string) => entries.find((e) => e.model === model)?.longContext?.thresholdTokens;
    expect(tier("gemini-2.5-pro")).toBe(200_000);
    expect(tier("claude-sonnet-4")).toBe(200_000);
    expect(tier("claude-sonnet-4-5")).toBe(200_000);
    expect(tier("grok-4-fast")).toBe(128_000);
  });
});

const valid: PriceEntry = {
  provider: "openai",
  model: "gpt-test",
  input: "1.00",
  output: "2.00",
  cachedInput: "0.10",
  effectiveFrom: "2025-01-01",
  source: "OpenAI API pricing page",
};

describe("priceEntrySchema (also used for custom prices)", () => {
  it("accepts a custom provider and normalises ids to lowercase", () => {
    const parsed = priceEntrySchema.parse({ ...valid, provider: "Ollama", model: " Llama3.3:70B ", aliases: ["LLAMA3.3"] });
    expect(parsed.provider).toBe("ollama");
    expect(parsed.model).toBe("llama3.3:70b");
    expect(parsed.aliases).toEqual(["llama3.3"]);
  });

  it.each<[string, Record<string, unknown>]>([
    ["7 decimals", { input: "0.0000001" }],
    ["a number instead of a string", { input: 1.5 }],
    ["a negative price", { output: "-1" }],
    ["cached above input", { cachedInput: "1.50" }],
    ["an impossible date", { effectiveFrom: "2025-02-30" }],
    ["a URL as source", { source: "https://example.com/pricing" }],
    ["an unknown field", { notes: "x" }],
    ["an alias equal to the model", { aliases: ["gpt-test"] }],
    ["a tier without the cached price the base has", { longContext: { thresholdTokens: 1000, input: "2", output: "4" } }],
    ["a tier with a fractional threshold", { longContext: { thresholdTokens: 1.5, input: "2", output: "4", cachedInput: "0.2" } }],
    ["an empty model", { model: "" }],
  ])("rejects %s", (_name, patch) => {
    expect(priceEntrySchema.safeParse({ ...valid, ...patch }).success).toBe(false);
  });

  it("converts to bigint micro-dollars per 1M tokens with a UTC-midnight date", () => {
    const p = toPrice(
      priceEntrySchema.parse({
        ...valid,
        cacheWrite: "1.25",
        longContext: { thresholdTokens: 200_000, input: "2.00", output: "4.00", cachedInput: "0.0375", cacheWrite: "2.50" },
      }),
    );
    expect(p.inputMicroPerM).toBe(1_000_000n);
    expect(p.outputMicroPerM).toBe(2_000_000n);
    expect(p.cachedInputMicroPerM).toBe(100_000n);
    expect(p.cacheWriteMicroPerM).toBe(1_250_000n);
    expect(p.longContext).toEqual({
      thresholdTokens: 200_000,
      inputMicroPerM: 2_000_000n,
      outputMicroPerM: 4_000_000n,
      cachedInputMicroPerM: 37_500n,
      cacheWriteMicroPerM: 2_500_000n,
    });
    expect(p.effectiveFrom.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    expect(p.isOverride).toBe(false);
    expect(toPrice({ ...valid, cachedInput: undefined }).cachedInputMicroPerM).toBeNull();
  });
});

describe("catalogFileSchema", () => {
  const file = (models: unknown[]) => ({ version: "2026-11-25", currency: "USD", unit: "per 1M tokens", models });

  it("rejects duplicate rows", () => {
    expect(catalogFileSchema.safeParse(file([valid, { ...valid, input: "1.10" }])).success).toBe(false);
    expect(catalogFileSchema.safeParse(file([valid, { ...valid, effectiveFrom: "2025-06-01" }])).success).toBe(true);
  });

  it("rejects an alias used by two models or shadowing a model id", () => {
    const other = { ...valid, model: "gpt-other", aliases: ["gpt-shared"] };
    expect(catalogFileSchema.safeParse(file([{ ...valid, aliases: ["gpt-shared"] }, other])).success).toBe(false);
    expect(catalogFileSchema.safeParse(file([valid, { ...other, aliases: ["gpt-test"] }])).success).toBe(false);
  });

  it("rejects providers the catalog does not cover and other currencies", () => {
    expect(catalogFileSchema.safeParse(file([{ ...valid, provider: "ollama" }])).success).toBe(false);
    expect(catalogFileSchema.safeParse({ ...file([valid]), currency: "EUR" }).success).toBe(false);
  });
});
