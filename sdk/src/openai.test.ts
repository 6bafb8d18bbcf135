import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturingProfiler } from "./test/capture.js";
import type { Stub } from "./test/http-stub.js";
import { startOpenAIStub } from "./test/openai-stub.js";

let stub: Stub;
beforeAll(async () => {
  stub = await startOpenAIStub();
});
afterAll(() => stub.close());

const client = () => new OpenAI({ apiKey: "test", baseURL: `${stub.url}/v1`, maxRetries: 0 });
const messages = [
  { role: "system" as const, content: "You are terse." },
  { role: "user" as const, content: "first question" },
  { role: "assistant" as const, content: "an answer" },
  { role: "user" as const, content: [{ type: "text" as const, text: "What is" }, { type: "text" as const, text: "the capital of France?" }] },
];
const expectedChat = {
  provider: "openai",
  model: "gpt-4o-mini-2024-07-18",
  inputTokens: 1200,
  cachedInputTokens: 1024,
  outputTokens: 300,
  reasoningTokens: 64,
  status: "success",
  prompt: "What is\nthe capital of France?",
};

describe("wrapOpenAI with the real openai client", () => {
  it("records a chat completion and returns exactly what the client returns", async () => {
    const { profiler, events } = capturingProfiler();
    const openai = profiler.wrapOpenAI(client(), { feature: "chat", userId: "u-1" });
    const wrapped = await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
    const plain = await client().chat.completions.create({ model: "gpt-4o-mini", messages });
    expect(wrapped).toEqual(plain);
    const [event, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ ...expectedChat, feature: "chat", userId: "u-1" });
    expect(event?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(typeof event?.timestamp).toBe("number");
  });

  it("streams: asks for usage, hides the extra chunk, and the caller sees the same chunks as unwrapped", async () => {
    const { profiler, events } = capturingProfiler();
    const openai = profiler.wrapOpenAI(client(), { feature: "chat" });
    const read = async (c: OpenAI) => {
      const stream = await c.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true });
      const chunks: unknown[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };
    const before = stub.requests.length;
    const seen = await read(openai);
    expect(stub.requests[before]?.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(seen).toEqual(await read(client()));
    expect(await events()).toMatchObject([{ ...expectedChat, metadata: { streamed: true } }]);
  });

  it("keeps the usage chunk when the caller asked for it, and works through tee()", async () => {
    const { profiler, events } = capturingProfiler();
    const openai = profiler.wrapOpenAI(client());
    const stream = await openai.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } });
    const [left, right] = stream.tee();
    const a: unknown[] = [];
    const b: unknown[] = [];
    for await (const c of left) a.push(c);
    for await (const c of right) b.push(c);
    expect(a).toEqual(b);
    expect(a.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1200 } });
    expect(await events()).toMatchObject([expectedChat]);
  });

  it("keeps withResponse() and asResponse() working", async () => {
    const { profiler, events } = capturingProfiler();
    const openai = profiler.wrapOpenAI(client());
    const { data, response, request_id } = await openai.chat.completions.create({ model: "gpt-4o-mini", messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello there");
    expect(response.status).toBe(200);
    expect(request_id).toBe("req_chat");
    const raw = await openai.chat.completions.create({ model: "gpt-4o-mini", messages }).asResponse();
    expect(((await raw.json()) as { usage: unknown }).usage).toBeDefined(); // body not consumed by the wrapper
    expect(await events()).toMatchObject([expectedChat]);
  });

  it("records the helpers built on create() once each: parse() and stream()", async () => {
    const { profiler, events } = capturingProfiler();
    const openai = profiler.wrapOpenAI(client(), { feature: "helpers" });
    const parsed = await openai.chat.completions.parse({ model: "gpt-4o-mini", messages });
    expect(parsed.choices[0]?.message.content).toBe("Hello there");
    const runner = openai.chat.completions.stream({ model: "gpt-4o-mini", messages });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("Hello there");
    expect(await events()).toMatchObject([
      { ...expectedChat, feature: "helpers" },
      { ...expectedChat, feature: "helpers", metadata: { streamed: true } },
    ]);
  });

  it("records the Responses API, plain and streamed", async () => {
    const { profiler, events } = capturingProfiler();
    const openai = profiler.wrapOpenAI(client());
    const res = await openai.responses.create({ model: "gpt-5-mini", input: "Say hi" });
    expect(res.output_text).toBe("Hi");
    const stream = await openai.responses.create({ model: "gpt-5-mini", input: [{ role: "user", content: "Say hi, streamed" }], stream: true });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect(types).toEqual(["response.created", "response.output_text.delta", "response.completed"]);
    const expected = { provider: "openai", model: "gpt-5-mini-2025-08-07", inputTokens: 900, cachedInputTokens: 512, outputTokens: 400, reasoningTokens: 256 };
    expect(await events()).toMatchObject([
      { ...expected, prompt: "Say hi" },
      { ...expected, prompt: "Say hi, streamed", metadata: { streamed: true } },
    ]);
  });

  it("records a failed call as an error and rethrows the client's own error", async () => {
    const { profiler, events } = capturingProfiler();
    const openai = profiler.wrapOpenAI(client(), { feature: "chat" });
    const err: unknown = await openai.chat.completions.create({ model: "no-such-model", messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404);
    const [event] = await events();
    expect(event).toMatchObject({ provider: "openai", model: "no-such-model", status: "error", inputTokens: 0, outputTokens: 0, feature: "chat" });
    expect(event?.errorMessage).toMatch(/does not exist/);
  });

  it("takes the feature from withFeature() over the wrap option, and leaves other methods alone", async () => {
    const { profiler, events } = capturingProfiler();
    const openai = profiler.wrapOpenAI(client(), { feature: "default" });
    await profiler.withFeature("search", async () => {
      await Promise.resolve();
      await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
    });
    expect(openai.baseURL).toBe(`${stub.url}/v1`);
    expect(openai.chat.completions).toBe(openai.chat.completions); // stable identity
    expect((await events()).map((e) => e.feature)).toEqual(["search"]);
  });
});
