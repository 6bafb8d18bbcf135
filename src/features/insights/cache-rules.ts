// Published prompt-caching rules per provider, as the cache-opportunity estimate applies them.
// Pure data + arithmetic so the estimate is unit-tested by hand.

export type CacheRule = {
  provider: string;
  /** How caching is switched on: explicit cache_control breakpoints, or automatic on the provider side. */
  mode: "explicit" | "automatic";
  /** Shortest prefix the provider caches, in tokens. */
  minTokens: number;
  /** How long an idle cached prefix lives, in seconds. */
  lifetimeSeconds: number;
  /** Whether writing the cache costs more than a plain input token (Anthropic: 1.25× for 5 minutes). */
  writePremium: boolean;
  rule: string;
};

const rule = (
  provider: string,
  mode: CacheRule["mode"],
  minTokens: number,
  lifetimeSeconds: number,
  writePremium: boolean,
  text: string,
): CacheRule => ({ provider, mode, minTokens, lifetimeSeconds, writePremium, rule: text });

// provider, mode, shortest cached prefix, idle lifetime (s), write premium, the rule as published.
export const CACHE_RULES: Record<string, CacheRule> = Object.fromEntries(
  [
    rule("anthropic", "explicit", 1024, 300, true, "Anthropic: explicit cache_control; ≥ 1,024 tokens (2,048 on Haiku); 5-minute lifetime refreshed on each hit; writes at the cache-write price (1.25× input), reads at the cached price (0.1× input)"),
    rule("openai", "automatic", 1024, 300, false, "OpenAI: automatic for prompts ≥ 1,024 tokens with an identical prefix; idle prefixes evicted after about 5–10 minutes (5 assumed); no write premium; reads at the cached price"),
    rule("google", "automatic", 1024, 300, false, "Gemini: implicit caching on 2.5+ models (≥ 1,024 tokens on Flash, 2,048–4,096 on Pro); short-lived (5 minutes assumed); no write premium; reads at the cached price"),
    rule("deepseek", "automatic", 64, 3600, false, "DeepSeek: automatic context caching in 64-token units, kept for hours (1 hour assumed); no write premium"),
    rule("xai", "automatic", 1024, 300, false, "xAI: automatic prompt caching (1,024 tokens and 5 minutes assumed); no write premium"),
  ].map((r) => [r.provider, r]),
);

/** Provider-specific minimums stricter than the provider's default. */
export function minTokensFor(rule: CacheRule, model: string): number {
  if (rule.provider === "anthropic" && /haiku/.test(model)) return 2048;
  if (rule.provider === "google" && /pro/.test(model)) return 2048;
  return rule.minTokens;
}

/** Characters per token used to turn prefix lengths into tokens (a common English estimate). */
export const CHARS_PER_TOKEN = 4;

export type PrefixCall = { ts: number; text: string; inputTokens: number; cachedTokens: number };

export type PrefixStats = {
  calls: number;
  /** Calls sharing a prefix of at least the minimum with another call of the sample. */
  sharedCalls: number;
  /** Shared calls that came within the cache lifetime of the previous one (would hit). */
  hits: number;
  /** Hits that did not read from the cache (cachedTokens = 0): still missed. */
  missedHits: number;
  /** Runs that start a cache entry (a write). */
  writes: number;
  /** Σ prefix tokens over hits, and over writes. */
  hitTokens: bigint;
  missedHitTokens: bigint;
  writeTokens: bigint;
  /** Median seconds between consecutive calls of one prefix; null without any. */
  medianGapSeconds: number | null;
};

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Groups calls by their first `minTokens` worth of characters; within a group the cacheable
 * prefix is the group's longest common prefix (capped by the smallest prompt), and a call
 * within the lifetime of the group's previous call is a hit, else a write.
 */
export function analysePrefixes(calls: PrefixCall[], minTokens: number, lifetimeSeconds: number): PrefixStats {
  const minChars = minTokens * CHARS_PER_TOKEN;
  const groups = new Map<string, PrefixCall[]>();
  for (const c of calls) {
    if (c.text.length < minChars) continue;
    const key = c.text.slice(0, minChars);
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  const out: PrefixStats = { calls: calls.length, sharedCalls: 0, hits: 0, missedHits: 0, writes: 0, hitTokens: 0n, missedHitTokens: 0n, writeTokens: 0n, medianGapSeconds: null };
  const gaps: number[] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    g.sort((a, b) => a.ts - b.ts);
    const sorted = [...g].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    const first = sorted[0]?.text ?? "";
    const last = sorted[sorted.length - 1]?.text ?? "";
    const lcpChars = commonPrefixLength(first, last);
    const minInput = Math.min(...g.map((c) => c.inputTokens));
    const prefixTokens = BigInt(Math.min(Math.floor(lcpChars / CHARS_PER_TOKEN), minInput));
    if (prefixTokens < BigInt(minTokens)) continue;
    out.sharedCalls += g.length;
    let prev: number | null = null;
    for (const c of g) {
      const gap = prev === null ? null : (c.ts - prev) / 1000;
      if (gap !== null) gaps.push(gap);
      if (gap !== null && gap <= lifetimeSeconds) {
        out.hits += 1;
        out.hitTokens += prefixTokens;
        if (c.cachedTokens === 0) {
          out.missedHits += 1;
          out.missedHitTokens += prefixTokens;
        }
      } else {
        out.writes += 1;
        out.writeTokens += prefixTokens;
      }
      prev = c.ts;
    }
  }
  gaps.sort((a, b) => a - b);
  out.medianGapSeconds = gaps.length === 0 ? null : (gaps[Math.floor(gaps.length / 2)] ?? null);
  return out;
}
