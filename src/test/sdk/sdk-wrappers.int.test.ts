// Wrapped openai / @anthropic-ai/sdk clients (the real clients, against loopback stubs with the
// providers' shapes) delivering through the SDK into the real app: the stored rows carry the
// converted usage, the computed cost, the feature and the prompt.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createProfiler } from "../../../sdk/src/index";
import { startAnthropicStub } from "../../../sdk/src/test/anthropic-stub";
import type { Stub } from "../../../sdk/src/test/http-stub";
import { startOpenAIStub } from "../../../sdk/src/test/openai-stub";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl, testDb } from "~/test/integration";

let openaiStub: Stub | null = null;
let anthropicStub: Stub | null = null;
beforeAll(async () => {
  openaiStub = await startOpenAIStub();
  anthropicStub = await startAnthropicStub();
});
afterAll(async () => {
  await openaiStub?.close();
  await anthropicStub?.close();
  await closeTestDb();
});

type Row = {
  provider: string; model: string; feature: string; input_tokens: number; cached_input_tokens: number; cache_write_tokens: number;
  output_tokens: number; reasoning_tokens: number; cost_source: string; status: string; prompt: string | null; streamed: boolean | null;
};

describeWithHttp("SDK wrappers into the real app", () => {
  it("stores OpenAI and Anthropic calls, streamed or not, with converted usage and computed cost", async () => {
    if (!openaiStub || !anthropicStub) throw new Error("stubs not started");
    const { projectId, key } = await newProject("sdk-wrap");
    const problems: string[] = [];
    const profiler = createProfiler({ apiKey: key, baseUrl: requireBaseUrl(), flushOnExit: false, onError: (e) => problems.push(e.message) });
    const openai = profiler.wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: `${openaiStub.url}/v1`, maxRetries: 0 }), { feature: "chat" });
    const anthropic = profiler.wrapAnthropic(new Anthropic({ apiKey: "test", baseURL: anthropicStub.url, maxRetries: 0 }));
    const messages = [{ role: "user" as const, content: "How much did search cost us?" }];

    await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
    for await (const _chunk of await openai.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true })) {
      // read to the end, as an application would
    }
    await openai.responses.create({ model: "gpt-5-mini", input: "Plan the report" });
    await profiler.withFeature("summaries", async () => {
      await anthropic.messages.create({ model: "claude-sonnet-4-6", max_tokens: 100, messages });
      for await (const _ev of await anthropic.messages.create({ model: "claude-sonnet-4-6", max_tokens: 100, messages, stream: true })) {
        // read to the end
      }
    });
    await profiler.shutdown();
    expect(problems).toEqual([]);
    expect(profiler.stats()).toMatchObject({ tracked: 5, delivered: 5, failed: 0 });

    const rows = await testDb().sql<Row[]>`
      SELECT e.provider, e.model, e.feature, e.input_tokens, e.cached_input_tokens, e.cache_write_tokens, e.output_tokens,
             e.reasoning_tokens, e.cost_source, e.status, p.text AS prompt, (e.metadata->>'streamed')::boolean AS streamed
      FROM cost_events e LEFT JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
      WHERE e.project_id = ${projectId} ORDER BY e.ts, e.provider, streamed NULLS FIRST`;
    const chat = { provider: "openai", model: "gpt-4o-mini-2024-07-18", feature: "chat", input_tokens: 1200, cached_input_tokens: 1024, cache_write_tokens: 0, output_tokens: 300, reasoning_tokens: 64, cost_source: "computed", status: "success", prompt: "How much did search cost us?" };
    const claude = { provider: "anthropic", model: "claude-sonnet-4-6", feature: "summaries", input_tokens: 3050, cached_input_tokens: 2000, cache_write_tokens: 1000, output_tokens: 300, reasoning_tokens: 100, cost_source: "computed", status: "success", prompt: "How much did search cost us?" };
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => r.provider === "openai" && r.model.startsWith("gpt-4o"))).toEqual([
      { ...chat, streamed: null },
      { ...chat, streamed: true },
    ]);
    expect(rows.find((r) => r.model.startsWith("gpt-5"))).toMatchObject({ input_tokens: 900, cached_input_tokens: 512, output_tokens: 400, reasoning_tokens: 256, cost_source: "computed", prompt: "Plan the report" });
    expect(rows.filter((r) => r.provider === "anthropic")).toEqual([
      { ...claude, streamed: null },
      { ...claude, streamed: true },
    ]);
  });
});
