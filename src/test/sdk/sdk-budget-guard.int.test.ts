// The SDK's budget guard against the real app and a loopback OpenAI-compatible stub: once the
// project's spend reaches an each-user budget, that user's calls are refused before the provider
// sees them, other users' calls go through.
import { randomUUID } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BudgetExceededError, createProfiler } from "../../../sdk/src/index";
import type { Stub } from "../../../sdk/src/test/http-stub";
import { startOpenAIStub } from "../../../sdk/src/test/openai-stub";
import { createBudget } from "~/features/budgets/server";
import { ingestEvents } from "~/features/ingestion/server";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl, testDb } from "~/test/integration";

let stub: Stub | null = null;
beforeAll(async () => {
  stub = await startOpenAIStub();
});
afterAll(async () => {
  await stub?.close();
  await closeTestDb();
});

describeWithHttp("SDK budget guard into the real app", () => {
  it("throws BudgetExceededError for the user over an each-user budget without calling the provider", async () => {
    if (!stub) throw new Error("stub not started");
    const { projectId, key } = await newProject("sdk-guard");
    await createBudget(testDb().db, projectId, { name: "per user", amountUsd: "0.05", period: "day", scope: { kind: "each_user" } });
    const res = await ingestEvents(testDb(), projectId, [
      { id: randomUUID(), provider: "openai", model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1, costUsd: "0.05", userId: "heavy" },
    ]);
    expect(res.accepted).toBe(1);
    const profiler = createProfiler({ apiKey: key, baseUrl: requireBaseUrl(), flushOnExit: false, budgetCacheMs: 0 });
    const openai = profiler.wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: `${stub.url}/v1`, maxRetries: 0 }), { feature: "chat", budgetGuard: true });
    const messages = [{ role: "user" as const, content: "hello" }];
    const before = stub.requests.length;
    const err = await profiler
      .withContext({ userId: "heavy" }, () => openai.chat.completions.create({ model: "gpt-4o-mini", messages }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect((err as BudgetExceededError).budgets).toMatchObject([{ name: "per user", subject: "heavy", spent: "0.050000000000", state: "exceeded" }]);
    expect(stub.requests.length).toBe(before);
    await profiler.withContext({ userId: "light" }, () => openai.chat.completions.create({ model: "gpt-4o-mini", messages }));
    expect(stub.requests.length).toBe(before + 1);
    const status = await profiler.budgetStatus({ userId: "light" });
    expect(status).toMatchObject([{ name: "per user", subject: "light", state: "ok", limit: "0.050000000000" }]);
    await profiler.shutdown();
    // the allowed call was recorded, under its user
    const rows = await testDb().sql<{ n: string }[]>`SELECT count(*)::text AS n FROM cost_events WHERE project_id = ${projectId} AND user_id = 'light'`;
    expect(rows[0]?.n).toBe("1");
  });
});
