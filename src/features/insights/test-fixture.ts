// Hand-priced traffic shared by the insights tests (integration and HTTP). Every figure the tests
// expect is worked out in the comments next to the events.
import { ingestEvents } from "~/features/ingestion/server";
import { testDb } from "~/test/integration";

const DAY_MS = 86_400_000;
export const fixtureDay = () => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS); // yesterday 00:00 UTC
/** The whole-day window the fixture lives in: yesterday and today. */
export const fixtureWindow = () => ({ from: fixtureDay(), to: new Date(fixtureDay().getTime() + 2 * DAY_MS) });

const PREFIX = "You are the support assistant of ACME. Policy: ".padEnd(8000, "policy text. ");

export function fixtureEvents() {
  const t0 = fixtureDay().getTime() + 12 * 3_600_000; // yesterday noon
  return [
    // feature a: 2 × openai gpt-5 standard, 10,000 in (4,000 cached), 1,000 out → $0.018 each (see service-tiers.test.ts)
    ...[0, 1].map((i) => ({ id: `a${i}`, timestamp: new Date(t0 + i * 1000).toISOString(), provider: "openai", model: "gpt-5", feature: "a", inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 1_000 })),
    // feature b: anthropic claude-sonnet-4-5 above the 200k threshold: 250,000 in (100,000 cached, 50,000 written), 2,000 out.
    // long tier 6.00 / 0.60 / 7.50 / 22.50: 0.6 + 0.06 + 0.375 + 0.045 = $1.08
    { id: "b0", timestamp: new Date(t0 + 5000).toISOString(), provider: "anthropic", model: "claude-sonnet-4-5", feature: "b", inputTokens: 250_000, cachedInputTokens: 100_000, cacheWriteTokens: 50_000, outputTokens: 2_000 },
    // feature cliff: 210,000 in, 1,000 out, just above 200k: paid 210,000 × 6.00 + 1,000 × 22.50 = 1.26 + 0.0225 = $1.2825;
    // at base 210,000 × 3.00 + 1,000 × 15.00 = 0.63 + 0.015 = $0.645; saving $0.6375, 10,000 tokens over
    { id: "c0", timestamp: new Date(t0 + 6000).toISOString(), provider: "anthropic", model: "claude-sonnet-4-5", feature: "cliff", inputTokens: 210_000, outputTokens: 1_000 },
    // feature support: 20 calls one minute apart on claude-sonnet-4-5, a shared 8,000-char (2,000-token) prefix
    ...Array.from({ length: 20 }, (_, i) => ({
      id: `s${i}`, timestamp: new Date(t0 + 60_000 * (i + 1)).toISOString(), provider: "anthropic", model: "claude-sonnet-4-5",
      feature: "support", inputTokens: 2_500, outputTokens: 100, prompt: `${PREFIX}${String.fromCharCode(65 + i)} question ${i}`,
    })),
    // a batch call (flex on anthropic is unpriced)
    { id: "f0", timestamp: new Date(t0 + 7000).toISOString(), provider: "anthropic", model: "claude-sonnet-4-5", feature: "tiers", serviceTier: "flex", inputTokens: 100, outputTokens: 10 },
    { id: "f1", timestamp: new Date(t0 + 8000).toISOString(), provider: "openai", model: "gpt-5", feature: "tiers", serviceTier: "batch", inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 1_000 },
  ];
}

export async function insightsFixture(projectId: string) {
  return ingestEvents(testDb(), projectId, fixtureEvents());
}
