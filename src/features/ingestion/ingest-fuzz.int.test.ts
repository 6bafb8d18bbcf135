// Property-based fuzzing of POST /api/v1/events over real HTTP: whatever the body (valid events,
// broken ones, odd Unicode, NUL bytes, wrong types, junk JSON, not JSON at all), the answer is never
// a 5xx, and the database changes by exactly what the answer says was accepted — all or nothing per
// event, events and rollups together.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl, testDb } from "~/test/integration";
import { foldAll } from "~/server/rollups/fold";

let project: Awaited<ReturnType<typeof newProject>>;

// Strings that break text handling: NUL and unpaired surrogates (PostgreSQL refuses both), bidi
// controls, astral characters, number-like and prototype-like names.
const nasty = fc.constantFrom("\u0000", "a\u0000b", "\ud800", "x\udfff", "\u202e", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", " ", "1e309", "-0", "NaN", "__proto__", "constructor");
const text = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: "binary", minLength: 1, maxLength: 40 }), nasty);
const count = fc.oneof({ weight: 30, arbitrary: fc.nat({ max: 5_000 }) }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 53)) });
// Each field is usually well-formed and sometimes anything at all, so most events are valid and
// carry odd text into the database, and the invalid ones are invalid in one or two fields (the
// hard case for "store the rest").
const maybe = <T,>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 25, arbitrary: good }, { weight: 1, arbitrary: fc.anything() });

const event = fc.record(
  {
    // Mostly unique (a repeated id is a duplicate, stored once); sometimes odd text.
    id: maybe(fc.oneof({ weight: 6, arbitrary: fc.uuid() }, { weight: 1, arbitrary: nasty })),
    timestamp: maybe(fc.date({ min: new Date(Date.now() - 300 * 86_400_000), max: new Date(), noInvalidDate: true }).map((d) => d.toISOString())),
    provider: maybe(fc.oneof(fc.constantFrom("openai", "anthropic", "google", "acme"), text)),
    model: maybe(fc.oneof(fc.constantFrom("gpt-4o-mini", "claude-3-5-sonnet", "gemini-2.5-pro"), text)),
    feature: maybe(text),
    inputTokens: maybe(count.map((n) => n + 5_000)),
    outputTokens: maybe(count),
    cachedInputTokens: maybe(count),
    costUsd: maybe(fc.oneof(fc.constantFrom("0.001", "12.5", "0"), fc.double({ min: 0, max: 1e6, noNaN: true }))),
    latencyMs: maybe(fc.oneof(fc.nat({ max: 100_000 }), fc.double({ min: 0, max: 1e5, noNaN: true }))),
    status: maybe(fc.constantFrom("success", "error")),
    errorMessage: maybe(text),
    prompt: maybe(text),
    userId: maybe(text),
    sessionId: maybe(text),
    metadata: maybe(fc.dictionary(text, fc.oneof(text, fc.jsonValue({ maxDepth: 3 })), { maxKeys: 5 })),
  },
  { requiredKeys: ["provider", "model", "inputTokens", "outputTokens"] },
);

const body = fc.oneof(
  { weight: 3, arbitrary: event.map((e) => JSON.stringify(e)) },
  { weight: 3, arbitrary: fc.array(event, { maxLength: 20 }).map((events) => JSON.stringify({ events })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

async function stored(projectId: string): Promise<{ events: number; calls: number }> {
  await foldAll(testDb().sql);
  const [row] = await testDb().sql<{ events: number; calls: number }[]>`
    SELECT (SELECT count(*)::int FROM cost_events WHERE project_id = ${projectId}) AS events,
           (SELECT coalesce(sum(calls), 0)::int FROM usage_hourly WHERE project_id = ${projectId}) AS calls`;
  return row ?? { events: -1, calls: -1 };
}

// Fewer on the Citus target, where each run's two folds take a quarter of a second: the checks
// there are of the routed storage, which every storable run exercises the same way.
const RUNS = process.env.TEST_CITUS === "1" ? 80 : 200;

describeWithHttp("ingestion fuzzing (fast-check, HTTP)", () => {
  beforeAll(async () => {
    project = await newProject("fuzz");
  });
  afterAll(closeTestDb);

  it("never answers 5xx, and stores exactly what it reports as accepted", { timeout: 300_000 }, async () => {
    let storedRuns = 0;
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain"), async (payload, type) => {
        const before = await stored(project.projectId);
        const res = await fetch(`${requireBaseUrl()}/api/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${project.key}`, "content-type": type },
          body: payload,
        });
        const text = await res.text();
        expect(res.status, text).toBeLessThan(500);
        expect([200, 207, 400, 415], text).toContain(res.status);
        expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules/);
        const answer = JSON.parse(text) as { accepted?: number; requestId?: string };
        const after = await stored(project.projectId);
        const accepted = res.status === 200 || res.status === 207 ? (answer.accepted ?? -1) : 0;
        expect(after.events - before.events, text).toBe(accepted);
        expect(after.calls - before.calls, "rollups move with the events").toBe(accepted);
        if (accepted > 0) storedRuns += 1;
        if (res.status >= 400) expect(answer.requestId).toBeTruthy();
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20_261_125) },
    );
    // The generator must mostly produce storable events, or the property says little.
    expect(storedRuns).toBeGreaterThan(RUNS / 4);
  });
});
