import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anthropicUsage } from "./anthropic.js";
import { startAnthropicStub } from "./test/anthropic-stub.js";
import { capturingProfiler } from "./test/capture.js";
import type { Stub } from "./test/http-stub.js";

let stub: Stub;
beforeAll(async () => {
  stub = await startAnthropicStub();
});
afterAll(() => stub.close());

const client = () => new Anthropic({ apiKey: "test", baseURL: stub.url, maxRetries: 0 });
const params = {
  model: "claude-sonnet-4-6",
  max_tokens: 1024,
  system: "You are terse.",
  messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "Summarise this contract." }] }],
};
// Anthropic's input_tokens (50) excludes the cache: 50 + 2000 read + 1000 written = 3050.
const expected = {
  provider: "anthropic",
  model: "claude-sonnet-4-6",
  inputTokens: 3050,
  cachedInputTokens: 2000,
  cacheWriteTokens: 1000,
  outputTokens: 300,
  reasoningTokens: 100,
  status: "success",
  prompt: "Summarise this contract.",
};

describe("anthropicUsage", () => {
  it("adds cache reads and writes to input_tokens", () => {
    expect(anthropicUsage({ input_tokens: 10, cache_read_input_tokens: null, output_tokens: 5 })).toEqual({
      model: undefined, inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0,
    });
    expect(anthropicUsage(undefined)).toBeNull();
  });
});

describe("wrapAnthropic with the real @anthropic-ai/sdk client", () => {
  it("records a message and returns exactly what the client returns", async () => {
    const { profiler, events } = capturingProfiler();
    const anthropic = profiler.wrapAnthropic(client(), { feature: "summaries" });
    const wrapped = await anthropic.messages.create(params);
    expect(wrapped).toEqual(await client().messages.create(params));
    expect(await events()).toMatchObject([{ ...expected, feature: "summaries" }]);
  });

  it("records a stream from message_start + message_delta; the caller sees every event", async () => {
    const { profiler, events } = capturingProfiler();
    const anthropic = profiler.wrapAnthropic(client());
    const read = async (c: Anthropic) => {
      const stream = await c.messages.create({ ...params, stream: true });
      const seen: string[] = [];
      for await (const ev of stream) seen.push(ev.type);
      return seen;
    };
    const seen = await read(anthropic);
    expect(seen).toEqual(await read(client()));
    expect(seen).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(await events()).toMatchObject([{ ...expected, metadata: { streamed: true } }]);
  });

  it("records the messages.stream() helper once, and withResponse() still works", async () => {
    const { profiler, events } = capturingProfiler();
    const anthropic = profiler.wrapAnthropic(client(), { feature: "helper" });
    const final = await anthropic.messages.stream(params).finalMessage();
    expect(final.content[0]).toMatchObject({ type: "text", text: "Hello" });
    const { data, response } = await anthropic.messages.create(params).withResponse();
    expect(data.id).toBe("msg_1");
    expect(response.status).toBe(200);
    expect(await events()).toMatchObject([
      { ...expected, feature: "helper", metadata: { streamed: true } },
      { ...expected, feature: "helper" },
    ]);
  });

  it("records an abandoned stream with the usage seen so far", async () => {
    const { profiler, events } = capturingProfiler();
    const anthropic = profiler.wrapAnthropic(client());
    const stream = await anthropic.messages.create({ ...params, stream: true });
    for await (const ev of stream) if (ev.type === "message_start") break;
    const { reasoningTokens: _none, ...sofar } = expected;
    const recorded = await events();
    expect(recorded).toMatchObject([{ ...sofar, outputTokens: 1, metadata: { streamAborted: true } }]);
    expect(recorded[0]?.reasoningTokens).toBeUndefined();
  });

  it("records a failure and rethrows the client's own error", async () => {
    const { profiler, events } = capturingProfiler();
    const anthropic = profiler.wrapAnthropic(client());
    const err: unknown = await anthropic.messages.create({ ...params, model: "overloaded" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    const [event] = await events();
    expect(event).toMatchObject({ provider: "anthropic", model: "overloaded", status: "error" });
    expect(event?.errorMessage).toMatch(/Overloaded/);
  });
});
