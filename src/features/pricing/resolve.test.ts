import { describe, expect, it } from "vitest";
import { loadCatalog, type PriceEntry } from "./catalog";
import { canonicalProvider, createPriceResolver, modelIdCandidates } from "./resolve";

const catalog = loadCatalog();
const resolver = createPriceResolver(catalog);
const at = (iso: string) => new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);

/** "provider/model@effectiveFrom" of the chosen price, or null. */
function pick(provider: string, model: string, day = "2026-11-25"): string | null {
  const p = resolver.resolve(provider, model, at(day));
  return p ? `${p.provider}/${p.model}@${p.effectiveFrom.toISOString().slice(0, 10)}` : null;
}
const modelOf = (provider: string, model: string, day?: string) => pick(provider, model, day)?.split("@")[0] ?? null;

describe("model id normalisation", () => {
  it("is case-insensitive and trims", () => {
    expect(modelOf("OpenAI", " GPT-4o ")).toBe("openai/gpt-4o");
    expect(modelOf("ANTHROPIC", "Claude-Opus-4-5")).toBe("anthropic/claude-opus-4-5");
  });

  it.each([
    ["openai", "gpt-4o-2024-08-06", "openai/gpt-4o"],
    ["openai", "gpt-4o-2024-11-20", "openai/gpt-4o"],
    ["openai", "gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"], // not gpt-4o
    ["openai", "gpt-4.1-nano-2025-04-14", "openai/gpt-4.1-nano"],
    ["openai", "gpt-5.4-2026-03-05", "openai/gpt-5.4"],
    ["openai", "gpt-4-0613", "openai/gpt-4"],
    ["openai", "gpt-3.5-turbo-0125", "openai/gpt-3.5-turbo"],
    ["anthropic", "claude-3-5-haiku-20241022", "anthropic/claude-3-5-haiku"],
    ["anthropic", "claude-3-7-sonnet-latest", "anthropic/claude-3-7-sonnet"],
    ["anthropic", "claude-opus-4-6-20260205", "anthropic/claude-opus-4-6"],
    ["vertex_ai", "claude-sonnet-4-5@20250929", "anthropic/claude-sonnet-4-5"],
    ["google", "gemini-2.5-pro-preview-05-06", "google/gemini-2.5-pro"],
    ["google", "gemini-2.5-flash-preview-09-2025", "google/gemini-2.5-flash"],
    ["google", "gemini-2.0-flash-001", "google/gemini-2.0-flash"],
    ["google", "gemini-1.5-pro-002", "google/gemini-1.5-pro"],
    ["xai", "grok-4-0709", "xai/grok-4"],
    ["xai", "grok-3-latest", "xai/grok-3"],
    ["mistral", "mistral-large-latest", "mistral/mistral-large"],
    ["mistral", "codestral-2501", "mistral/codestral"],
    ["mistral", "magistral-medium-2506", "mistral/magistral-medium"],
  ])("%s %s → %s (dated snapshots and -latest resolve to their base)", (provider, model, expected) => {
    expect(modelOf(provider, model)).toBe(expected);
  });

  it("prefers an exact match over any stripped form", () => {
    // gpt-4o-2024-05-13 kept its launch price while gpt-4o moved to 2.50/10.00
    const pinned = resolver.resolve("openai", "gpt-4o-2024-05-13", at("2025-06-01"));
    expect(pinned?.model).toBe("gpt-4o-2024-05-13");
    expect(pinned?.inputMicroPerM).toBe(5_000_000n);
    expect(resolver.resolve("openai", "gpt-4o", at("2025-06-01"))?.inputMicroPerM).toBe(2_500_000n);
    expect(modelOf("mistral", "mistral-large-2411")).toBe("mistral/mistral-large-2411");
    expect(modelOf("google", "gemini-3-pro-preview", "2025-12-01")).toBe("google/gemini-3-pro-preview");
  });

  it.each([
    ["openai", "gpt-5-codex", "openai/gpt-5"],
    ["openai", "gpt-5-chat-latest", "openai/gpt-5"],
    ["openai", "o1-preview-2024-09-12", "openai/o1"],
    ["openai", "gpt-4-1106-preview", "openai/gpt-4-turbo"], // alias beats stripping to gpt-4
    ["anthropic", "claude-sonnet-4-0", "anthropic/claude-sonnet-4"],
    ["anthropic", "claude-4-opus-20250514", "anthropic/claude-opus-4"],
    ["xai", "grok-4-fast-reasoning", "xai/grok-4-fast"],
    ["xai", "grok-4-1-fast-non-reasoning", "xai/grok-4-1-fast"],
    ["google", "gemini-3-pro", "google/gemini-3-pro-preview"],
    ["mistral", "mistral-large-3", "mistral/mistral-large-2512"],
  ])("%s %s → %s (aliases)", (provider, model, expected) => {
    expect(modelOf(provider, model)).toBe(expected);
  });

  it.each([
    ["openai", "openai/gpt-4o", "openai/gpt-4o"],
    ["google", "models/gemini-2.5-pro", "google/gemini-2.5-pro"],
    ["openrouter", "anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4-5"],
    ["openrouter", "anthropic/claude-3.5-sonnet", "anthropic/claude-3-5-sonnet"],
    ["openrouter", "google/gemini-2.5-flash", "google/gemini-2.5-flash"],
    ["openrouter", "x-ai/grok-3-mini", "xai/grok-3-mini"],
    ["openrouter", "deepseek/deepseek-chat", "deepseek/deepseek-chat"],
    ["litellm", "mistral/mistral-small-latest", "mistral/mistral-small"],
    ["vertex_ai", "publishers/anthropic/models/claude-opus-4-1@20250805", "anthropic/claude-opus-4-1"],
  ])("%s %s → %s (provider-style prefixes)", (provider, model, expected) => {
    expect(modelOf(provider, model)).toBe(expected);
  });

  it.each([
    ["gemini", "gemini-2.5-flash", "google/gemini-2.5-flash"],
    ["vertex_ai", "gemini-2.5-flash", "google/gemini-2.5-flash"],
    ["google-genai", "gemini-2.5-flash", "google/gemini-2.5-flash"],
    ["x-ai", "grok-4", "xai/grok-4"],
    ["grok", "grok-4", "xai/grok-4"],
    ["mistralai", "codestral-latest", "mistral/codestral"],
    ["azure", "gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"],
    ["azure-openai", "gpt-4.1", "openai/gpt-4.1"],
    ["bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic/claude-3-5-haiku"],
    ["bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic/claude-sonnet-4-5"],
    ["aws", "global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic/claude-haiku-4-5"],
    ["bedrock", "anthropic.claude-sonnet-4-6", "anthropic/claude-sonnet-4-6"],
    ["bedrock", "mistral.mistral-large-2407-v1:0", "mistral/mistral-large-2407"],
  ])("%s %s → %s (provider synonyms and clouds)", (provider, model, expected) => {
    expect(modelOf(provider, model)).toBe(expected);
  });

  it("returns null for unknown models instead of guessing", () => {
    expect(pick("openai", "gpt-unknown-9")).toBeNull();
    expect(pick("openai", "")).toBeNull();
    expect(pick("acme", "gpt-4o")).toBeNull(); // unknown provider: no vendor guessing
    expect(pick("openai", "claude-3-haiku")).toBeNull(); // a direct provider is trusted
    expect(pick("anthropic", "claude-9-mystery")).toBeNull();
    expect(pick("openai", "ft:gpt-4o-mini-2024-07-18:acme::abc123")).toBeNull(); // fine-tunes price differently
    expect(pick("constructor", "toString")).toBeNull();
  });

  it("lists candidates from most to least exact", () => {
    expect(modelIdCandidates("Claude-3-5-Sonnet-20241022-v2:0")).toEqual([
      "claude-3-5-sonnet-20241022-v2:0",
      "claude-3-5-sonnet-20241022",
      "claude-3-5-sonnet",
    ]);
    expect(modelIdCandidates("gemini-2.5-flash-lite-preview-06-17")).toEqual([
      "gemini-2.5-flash-lite-preview-06-17",
      "gemini-2.5-flash-lite",
    ]);
    expect(canonicalProvider("Vertex_AI")).toBe("google");
    expect(canonicalProvider("bedrock")).toBeNull();
    expect(canonicalProvider("mistralai")).toBe("mistral");
  });
});

describe("choosing by date", () => {
  it("switches at UTC midnight of effectiveFrom (o3 price cut on 2025-06-10)", () => {
    const before = resolver.resolve("openai", "o3", at("2025-06-09T23:59:59.999Z"));
    const after = resolver.resolve("openai", "o3", at("2025-06-10T00:00:00.000Z"));
    expect(before?.inputMicroPerM).toBe(10_000_000n);
    expect(after?.inputMicroPerM).toBe(2_000_000n);
    expect(after?.outputMicroPerM).toBe(8_000_000n);
  });

  it("follows a multi-step history (deepseek-chat)", () => {
    const hit = (day: string) => resolver.resolve("deepseek", "deepseek-chat", at(day))?.cachedInputMicroPerM;
    expect(hit("2025-01-10")).toBe(14_000n); // launch promo
    expect(hit("2025-05-01")).toBe(70_000n);
    expect(hit("2025-10-01")).toBe(28_000n);
    expect(hit("2026-04-25")).toBe(28_000n);
    expect(hit("2026-06-01")).toBe(2_800n);
  });

  it("ends an introductory price (claude-sonnet-5)", () => {
    expect(resolver.resolve("anthropic", "claude-sonnet-5", at("2026-08-31"))?.inputMicroPerM).toBe(2_000_000n);
    expect(resolver.resolve("anthropic", "claude-sonnet-5", at("2026-09-01"))?.inputMicroPerM).toBe(3_000_000n);
  });

  it("uses the earliest entry for dates before every entry", () => {
    expect(pick("openai", "gpt-5", "2020-01-01")).toBe("openai/gpt-5@2025-08-07");
    expect(pick("openai", "gpt-4o", "2024-01-01")).toBe("openai/gpt-4o@2024-05-13");
  });

  it("rejects an invalid date", () => {
    expect(() => resolver.resolve("openai", "gpt-4o", new Date("nope"))).toThrow(RangeError);
  });
});

const custom = (e: Partial<PriceEntry> & Pick<PriceEntry, "provider" | "model" | "effectiveFrom">): PriceEntry => ({
  input: "1.00",
  output: "2.00",
  source: "Negotiated contract",
  ...e,
});

describe("overrides (per-project custom prices)", () => {
  const r = createPriceResolver(catalog, [
    custom({ provider: "openai", model: "gpt-4o", effectiveFrom: "2025-01-01" }),
    custom({ provider: "openai", model: "gpt-5", effectiveFrom: "2025-01-01", input: "0.90" }),
    custom({ provider: "ollama", model: "Llama3.3:70B", aliases: ["llama3.3"], effectiveFrom: "2025-03-01", input: "0", output: "0" }),
  ]);

  it("wins over the catalog from its effectiveFrom on", () => {
    const p = r.resolve("openai", "gpt-4o-2024-08-06", at("2025-06-01"));
    expect(p?.isOverride).toBe(true);
    expect(p?.inputMicroPerM).toBe(1_000_000n);
    const before = r.resolve("openai", "gpt-4o", at("2024-12-31"));
    expect(before?.isOverride).toBe(false);
    expect(before?.inputMicroPerM).toBe(2_500_000n);
  });

  it("covers the catalog's aliases of the same model", () => {
    expect(r.resolve("openai", "gpt-5-codex", at("2025-10-01"))?.inputMicroPerM).toBe(900_000n);
  });

  it("prices custom providers and models, and falls back to their earliest row", () => {
    expect(r.resolve("ollama", "llama3.3:70b", at("2025-04-01"))?.outputMicroPerM).toBe(0n);
    expect(r.resolve("Ollama", "LLAMA3.3", at("2025-04-01"))?.model).toBe("llama3.3:70b");
    expect(r.resolve("ollama", "llama3.3:70b", at("2024-01-01"))?.isOverride).toBe(true);
  });

  it("still lets an exact catalog id beat an override of its stripped base", () => {
    expect(r.resolve("openai", "gpt-4o-2024-05-13", at("2025-06-01"))?.model).toBe("gpt-4o-2024-05-13");
  });

  it("takes the last row when an override repeats a date", () => {
    const twice = createPriceResolver(catalog, [
      custom({ provider: "xai", model: "grok-3", effectiveFrom: "2025-05-01", input: "1.00" }),
      custom({ provider: "xai", model: "grok-3", effectiveFrom: "2025-05-01", input: "1.50" }),
    ]);
    expect(twice.resolve("xai", "grok-3", at("2025-06-01"))?.inputMicroPerM).toBe(1_500_000n);
  });
});

describe("memoized lookups", () => {
  // Speed is measured by `npm run bench:ingest`, not asserted here; this checks the memo stays correct.
  it("answers repeated mixed lookups identically", () => {
    const ids: [string, string][] = [
      ["openai", "gpt-4o-2024-08-06"],
      ["anthropic", "claude-sonnet-4-5-20250929"],
      ["bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0"],
      ["gemini", "models/gemini-2.5-flash"],
      ["openrouter", "x-ai/grok-4-fast"],
      ["openai", "no-such-model"],
    ];
    const when = at("2026-01-01");
    const first = ids.map(([p, m]) => resolver.resolve(p, m, when));
    for (let round = 0; round < 3; round++) {
      expect(ids.map(([p, m]) => resolver.resolve(p, m, when))).toEqual(first);
    }
    expect(first.map((price) => price?.model ?? null)).toEqual([
      "gpt-4o",
      "claude-sonnet-4-5",
      "claude-3-5-haiku",
      "gemini-2.5-flash",
      "grok-4-fast",
      null,
    ]);
  });

  it("keeps working after more distinct ids than the memo holds", () => {
    for (let i = 0; i < 12_000; i++) resolver.resolve("openai", `junk-${i}`, at("2026-01-01"));
    expect(modelOf("openai", "gpt-4o")).toBe("openai/gpt-4o");
  });
});
