import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateEvents } from "../../../scripts/lib/generate";
import { parseEventFast } from "./fast-event";
import { eventSchema } from "./schemas";

const nested = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { k: v };
  return v;
};

// Each field: valid values first, then values eventSchema refuses or that only zod reads.
function pools(now: number) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: ["evt-1", "  padded  ", "x".repeat(128), "", "   ", "x".repeat(129), 7, null],
    timestamp: [iso(now - 3_600_000), iso(now - 30 * 86_400_000), now - 60_000, iso(now - 3_600_000).replace(/\.\d{3}Z$/, "Z"),
      iso(now - 3_600_000).replace("Z", "+00:00"), "2026-02-30T00:00:00.000Z", iso(now + 2 * 86_400_000), iso(now - 400 * 86_400_000),
      now - 60_000.5, 8.64e15 + 1, "yesterday", "", null],
    provider: ["openai", " Anthropic ", "p".repeat(64), "", "  ", "p".repeat(65), 5, null],
    model: ["gpt-4o", "m".repeat(200), "m".repeat(201), "", ["gpt"]],
    inputTokens: [0, 10, 1_000_000_000, -0, 1_000_000_001, -1, 1.5, Number.NaN, Infinity, "10"],
    outputTokens: [0, 7, 1_000_000_000, -1, 2.5, "7", null],
    cachedInputTokens: [0, 3, 10, -1, 2.5, 1_000_000_001],
    cacheWriteTokens: [0, 4, -2, 0.5],
    reasoningTokens: [0, 2, 7, -1, 1.1],
    feature: ["chat", "Cafe\u0301", " padded ", "f".repeat(200), "", "f".repeat(201), 1],
    costUsd: [0, 0.0012, "0.000001", "100000", 100000, "000123.5", "100000.000000000001", 100001, "1e5", -1, "-1", Infinity, Number.NaN,
      "0.1234567890123", "abc", 1e-20, null],
    latencyMs: [0, 12.6, 86_400_000, 86_400_001, -1, "5", Infinity],
    status: ["success", "error", "ok", null],
    errorMessage: ["boom", "e".repeat(5000), "", 3],
    prompt: ["hello  world", "", "\u0000x", 5],
    userId: ["u1", "Cafe\u0301", "x".repeat(256), "", "x".repeat(257), 42],
    sessionId: ["s1", " s2 ", "", {}],
    tags: [["a", "b"], [" b ", "a", "a"], ["Cafe\u0301", "Café"], [], Array.from({ length: 20 }, (_, i) => `t${i}`),
      Array.from({ length: 21 }, (_, i) => `t${i}`), [""], ["x".repeat(65)], "a", [1], null],
    metadata: [{ a: 1 }, { "Cafe\u0301": 1, x: { y: [1, 2] } }, { "Cafe\u0301": 1, Café: 2 }, { k: nested(19) }, { fits: "é".repeat(2000) },
      {}, JSON.parse('{"__proto__": 1, "a": 2}') as unknown, { "k\u0000": "v" },
      { k: nested(20) }, { big: "x".repeat(9000) }, { big: "€".repeat(2800) }, [], null, "text", new Date(0)],
    serviceTier: ["standard", "batch", "flex", "priority", "turbo", "", 1],
    extra: [{ anything: nested(50) }, "ignored"],
  };
}

const REQUIRED = ["provider", "model", "inputTokens", "outputTokens"];
// How many values at the head of each pool eventSchema accepts (alone: a mix may still break a cross-field rule).
const VALID_COUNT: Record<string, number> = {
  id: 3, timestamp: 5, provider: 3, model: 2, inputTokens: 4, outputTokens: 3, cachedInputTokens: 2, cacheWriteTokens: 1,
  reasoningTokens: 1, feature: 4, costUsd: 6, latencyMs: 3, status: 2, errorMessage: 3, prompt: 3, userId: 3, sessionId: 2,
  tags: 5, metadata: 8, serviceTier: 4, extra: 2,
};

/** validOnly: valid values only; otherwise mostly valid ones (so some events pass) and any value of the pool. */
function eventArbitrary(now: number, validOnly: boolean) {
  const fields = Object.fromEntries(
    Object.entries(pools(now)).map(([k, values]) => {
      const valid = fc.constantFrom(...values.slice(0, VALID_COUNT[k]));
      return [k, validOnly ? valid : fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: fc.constantFrom(...values), weight: 1 })];
    }),
  );
  if (validOnly) return fc.record(fields, { requiredKeys: REQUIRED });
  return fc.oneof(fc.record(fields, { requiredKeys: REQUIRED }), fc.record(fields, { requiredKeys: [] }));
}

describe("parseEventFast", () => {
  // Generous timeouts: a few seconds alone, longer while the integration tier loads both cores.
  it("accepts only what eventSchema accepts, and builds the same event (property)", { timeout: 60_000 }, () => {
    const now = Date.now();
    let fast = 0;
    fc.assert(
      fc.property(eventArbitrary(now, false), (item) => {
        const got = parseEventFast(item, now);
        if (got === undefined) return;
        fast += 1;
        const parsed = eventSchema.safeParse(item);
        expect(parsed.success).toBe(true);
        expect(got.event).toStrictEqual(parsed.data);
        expect(got.metadataJson).toBe(item.metadata === undefined ? undefined : JSON.stringify(item.metadata));
      }),
      { numRuns: 5000 },
    );
    // Many mixes hold a refused value; a good share must still have gone the fast way.
    expect(fast).toBeGreaterThan(200);
  });

  it("takes the fast way for every valid mix of the values it reads itself (property)", { timeout: 60_000 }, () => {
    const now = Date.now();
    fc.assert(
      fc.property(eventArbitrary(now, true), (item) => {
        const parsed = eventSchema.safeParse(item);
        const got = parseEventFast(item, now);
        // Among the valid values are some that only zod reads (a timestamp in another ISO form,
        // metadata with a "__proto__" key), on purpose; and a mix may break a cross-field rule.
        const ts = item.timestamp;
        const zodOnly = (typeof ts === "string" && !/\.\d{3}Z$/.test(ts)) ||
          (typeof item.metadata === "object" && item.metadata !== null && Object.hasOwn(item.metadata, "__proto__"));
        if (!parsed.success || zodOnly) {
          expect(got).toBeUndefined();
          return;
        }
        expect(got?.event).toStrictEqual(parsed.data);
      }),
      { numRuns: 3000 },
    );
  });

  it("takes the fast way for the events the SDK and the benches send", () => {
    const now = Date.now();
    const events = [...generateEvents(2000, { seed: 7, days: 30 })];
    for (const e of events) {
      const got = parseEventFast(e, now);
      expect(got?.event).toStrictEqual(eventSchema.parse(e));
    }
  });

  it("answers undefined for what is not an object", () => {
    for (const v of [null, undefined, 1, "event", [], [{ provider: "openai" }]]) expect(parseEventFast(v)).toBeUndefined();
  });
});
