import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfiler } from "./budget-profiler.js";
import { BudgetExceededError, type BudgetStatus } from "./budgets.js";
import { startStub, type Stub } from "./test/http-stub.js";
import { startOpenAIStub } from "./test/openai-stub.js";

const status = (name: string, state: BudgetStatus["state"]): BudgetStatus => ({
  budgetId: name,
  name,
  scope: { kind: "project" },
  period: "day",
  subject: null,
  spent: state === "exceeded" ? "2.000000000000" : "0.500000000000",
  limit: "1.000000000000",
  remaining: state === "exceeded" ? "0.000000000000" : "0.500000000000",
  state,
  periodStart: "2026-12-04T00:00:00.000Z",
  periodEnd: "2026-12-05T00:00:00.000Z",
  forecast: { periodEndUsd: "1.000000000000", exceedsAt: null },
});

let openai: Stub;
let profilerServer: Stub;
// feature "capped" is over budget; everything else is fine; feature "broken" makes the server fail
beforeAll(async () => {
  openai = await startOpenAIStub();
  profilerServer = await startStub((req) => {
    const q = new URL(req.url, "http://x").searchParams;
    if (q.get("feature") === "broken") return { status: 503, json: { error: "service_unavailable" } };
    return { status: 200, json: { budgets: [status("project", "ok"), ...(q.get("feature") === "capped" ? [status("capped", "exceeded")] : [])] } };
  });
});
afterAll(async () => {
  await openai.close();
  await profilerServer.close();
});

const messages = [{ role: "user" as const, content: "hi" }];

describe("budget status and the opt-in guard", () => {
  it("throws BudgetExceededError before calling the provider, and calls it when no budget is exceeded", async () => {
    const errors: string[] = [];
    const p = createProfiler({ apiKey: "acp_test", baseUrl: profilerServer.url, flushOnExit: false, onError: (e) => errors.push(e.kind) });
    const client = new OpenAI({ apiKey: "x", baseURL: `${openai.url}/v1`, maxRetries: 0 });
    const capped = p.wrapOpenAI(client, { feature: "capped", budgetGuard: true });
    const before = openai.requests.length;
    const err = await capped.chat.completions.create({ model: "gpt-4o-mini", messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect((err as BudgetExceededError).budgets.map((b) => b.name)).toEqual(["capped"]);
    expect(openai.requests.length).toBe(before);
    const fine = p.wrapOpenAI(client, { feature: "fine", budgetGuard: true });
    const res = await fine.chat.completions.create({ model: "gpt-4o-mini", messages });
    expect(res.choices[0]?.message.content).toBe("Hello there");
    expect(openai.requests.length).toBe(before + 1);
    // the guard sent the call's attributes
    const asked = new URL(profilerServer.requests.at(-1)?.url ?? "", "http://x").searchParams;
    expect(Object.fromEntries(asked)).toMatchObject({ feature: "fine", model: "gpt-4o-mini", provider: "openai" });
    // without budgetGuard nothing is checked
    const unguarded = p.wrapOpenAI(client, { feature: "capped" });
    await unguarded.chat.completions.create({ model: "gpt-4o-mini", messages });
    expect(openai.requests.length).toBe(before + 2);
    await p.shutdown();
    expect(errors).toEqual([]);
  });

  it("caches an answer briefly per query, and lets calls through (reporting it) when the status is unavailable", async () => {
    const errors: string[] = [];
    const p = createProfiler({ apiKey: "acp_test", baseUrl: profilerServer.url, flushOnExit: false, budgetCacheMs: 60_000, onError: (e) => errors.push(e.kind) });
    const before = profilerServer.requests.length;
    await p.budgetStatus({ userId: "u1", tags: ["b", "a"] });
    const again = await p.budgetStatus({ userId: "u1", tags: ["a", "b"] });
    expect(again.map((b) => b.name)).toEqual(["project"]);
    expect(profilerServer.requests.length).toBe(before + 1);
    await p.budgetStatus({ userId: "u2" });
    expect(profilerServer.requests.length).toBe(before + 2);
    const broken = p.wrapOpenAI(new OpenAI({ apiKey: "x", baseURL: `${openai.url}/v1`, maxRetries: 0 }), { feature: "broken", budgetGuard: true });
    await broken.chat.completions.create({ model: "gpt-4o-mini", messages });
    expect(errors).toEqual(["budget"]);
    await expect(p.budgetStatus({ feature: "broken" })).rejects.toThrow(/503/);
    await p.shutdown();
  });
});
