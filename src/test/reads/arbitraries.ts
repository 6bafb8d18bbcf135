// fast-check generators of events the ingestion route accepts, hostile in every way it allows
// (used by reads-survive.int.test.ts).
import fc from "fast-check";
import { MAX_COST_USD, MAX_TOKENS } from "~/features/ingestion";
import { MAX_JSON_DEPTH } from "~/lib/json-bounds";

const nasty = fc.constantFrom("\u0000", "a\u0000b", "\ud800", "x\udfff", "\u202e\u202d", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "=cmd|' /C calc'!A0", "+1", "@SUM(1)", "\t-", '"', "'; DROP TABLE cost_events; --", "__proto__", "constructor", "toString", "\r\n", "\ufeff", "a".repeat(200));
const text = (max: number) => fc.oneof(fc.string({ minLength: 1, maxLength: max }), fc.string({ unit: "binary", minLength: 1, maxLength: max }), nasty.map((s) => s.slice(0, max))).filter((s) => s.trim().length > 0);
// Deepest metadata allowed: nested arrays and objects right up to the bound.
const deepValue = fc.integer({ min: 1, max: MAX_JSON_DEPTH - 1 }).map((d) => {
  let v: unknown = "bottom";
  for (let i = 0; i < d; i++) v = i % 2 === 0 ? [v] : { [`k${i}`]: v };
  return v;
});
const jsonLeaf = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2), fc.boolean(), fc.constant(null), text(40));
const metadata = fc.dictionary(text(20), fc.oneof(jsonLeaf, deepValue, fc.jsonValue({ maxDepth: 4 })), { maxKeys: 6 });
const count = fc.oneof(fc.nat({ max: 5000 }), fc.constantFrom(0, MAX_TOKENS));

export const eventArb = fc
  .record(
    {
      id: fc.oneof(fc.uuid(), text(128)),
      timestamp: fc.oneof(
        fc.date({ min: new Date(Date.now() - 360 * 86_400_000), max: new Date(Date.now() + 20 * 3_600_000), noInvalidDate: true }).map((d) => d.toISOString()),
        fc.integer({ min: Date.now() - 360 * 86_400_000, max: Date.now() }),
      ),
      provider: fc.oneof(fc.constantFrom("openai", "anthropic", "OpenAI"), text(64)),
      model: fc.oneof(fc.constantFrom("gpt-4o-mini", "claude-3-5-sonnet", "gemini-2.5-pro"), text(200)),
      feature: text(200),
      inputTokens: count,
      outputTokens: count,
      costUsd: fc.oneof(fc.constantFrom("0", "100000", "0.000000000001", "99999.999999999999"), fc.double({ min: 0, max: MAX_COST_USD, noNaN: true })),
      latencyMs: fc.oneof(fc.nat({ max: 86_400_000 }), fc.double({ min: 0, max: 86_400_000, noNaN: true })),
      status: fc.constantFrom("success", "error"),
      errorMessage: fc.oneof(text(100), fc.constant("e".repeat(10_000))),
      prompt: fc.oneof(text(300), fc.constant("p".repeat(100_000))),
      userId: text(256),
      sessionId: text(256),
      metadata,
    },
    { requiredKeys: ["provider", "model", "inputTokens", "outputTokens"] },
  );

