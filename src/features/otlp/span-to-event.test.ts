import { describe, expect, it } from "vitest";
import type { AttrValue, OtlpSpan } from "./model";
import { spanToEvent } from "./span-to-event";
import { OPENAI_CHAT_ATTRIBUTES } from "./test-spans";

const T0 = 1_772_000_000_000n * 1_000_000n;
function span(attributes: Record<string, AttrValue>, over: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    name: "chat",
    startNs: T0,
    endNs: T0 + 1_250_500_000n,
    statusCode: 0,
    statusMessage: "",
    attributes: new Map(Object.entries(attributes)),
    resource: new Map<string, AttrValue>([["service.name", "billing"]]),
    ...over,
  };
}
const event = (s: OtlpSpan, attr = "feature") => {
  const out = spanToEvent(s, attr);
  if (!out.llm) throw new Error("expected an LLM span");
  return out.event;
};

describe("spanToEvent", () => {
  it("maps GenAI attributes: id, times, usage, provider, model, feature fallback", () => {
    const e = event(span({
      ...OPENAI_CHAT_ATTRIBUTES,
      "gen_ai.usage.cache_creation.input_tokens": 100,
      "gen_ai.usage.reasoning.output_tokens": 64,
    }));
    expect(e).toMatchObject({
      id: "0af7651916cd43dd8448eb211c80319cb7ad6b7169203331",
      provider: "openai",
      model: "gpt-4o-2024-08-06",
      inputTokens: 1200,
      cachedInputTokens: 1024,
      cacheWriteTokens: 100,
      outputTokens: 300,
      reasoningTokens: 64,
      timestamp: 1_772_000_000_000,
      latencyMs: 1250.5,
      status: "success",
      feature: "billing",
    });
  });

  it("reads OpenInference llm.* attributes and the prompt of the last user message", () => {
    const e = event(span({
      "openinference.span.kind": "LLM",
      "llm.system": "anthropic",
      "llm.model_name": "claude-3-5-haiku",
      "llm.token_count.prompt": 900,
      "llm.token_count.completion": 12,
      "llm.token_count.prompt_details.cache_read": 800,
      "llm.token_count.completion_details.reasoning": 4,
      "llm.input_messages.0.message.role": "user",
      "llm.input_messages.0.message.content": "first",
      "llm.input_messages.1.message.role": "assistant",
      "llm.input_messages.1.message.content": "reply",
      "llm.input_messages.2.message.role": "user",
      "llm.input_messages.2.message.content": "second",
      feature: "triage",
    }));
    expect(e).toMatchObject({ provider: "anthropic", model: "claude-3-5-haiku", inputTokens: 900, cachedInputTokens: 800, outputTokens: 12, reasoningTokens: 4, prompt: "second", feature: "triage" });
  });

  it("adds cache and reasoning parts that sit outside their totals (provider-native counts)", () => {
    const e = event(span({
      "gen_ai.system": "anthropic",
      "gen_ai.request.model": "claude-sonnet-4-5",
      "gen_ai.usage.input_tokens": 50,
      "gen_ai.usage.cache_read.input_tokens": 2000,
      "gen_ai.usage.cache_creation.input_tokens": 1000,
      "gen_ai.usage.output_tokens": 10,
      "gen_ai.usage.reasoning.output_tokens": 40,
    }));
    expect(e).toMatchObject({ inputTokens: 3050, cachedInputTokens: 2000, cacheWriteTokens: 1000, outputTokens: 50, reasoningTokens: 40 });
    expect(e.metadata).toHaveProperty("inputTokensAdjusted");
  });

  it("records a failed model call as an error even without usage", () => {
    const e = event(span({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "error.type": "timeout" }, { statusCode: 2 }));
    expect(e).toMatchObject({ status: "error", errorMessage: "timeout", inputTokens: 0, outputTokens: 0, provider: "unknown" });
  });

  it("takes the feature from the configured attribute on the span, then the resource", () => {
    const attrs = { "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 1, "gen_ai.usage.output_tokens": 1, "app.feature": "span-level" };
    expect(event(span(attrs), "app.feature").feature).toBe("span-level");
    const onResource = span({ ...attrs, "app.feature": null }, { resource: new Map<string, AttrValue>([["app.feature", "res"], ["service.name", "svc"]]) });
    expect(event(onResource, "app.feature").feature).toBe("res");
  });

  it("ignores non-LLM spans and agent/tool spans that repeat their children's usage", () => {
    expect(spanToEvent(span({ "http.request.method": "GET" }), "feature").llm).toBe(false);
    expect(spanToEvent(span({ "gen_ai.request.model": "gpt-4o" }), "feature").llm).toBe(false); // no usage, no operation
    expect(spanToEvent(span({ "gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 5 }), "feature").llm).toBe(false);
    expect(spanToEvent(span({ "openinference.span.kind": "CHAIN", "llm.model_name": "gpt-4o", "llm.token_count.prompt": 5 }), "feature").llm).toBe(false);
  });

  it("reads the service tier the provider answered with, then the requested one", () => {
    const base = { "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2 };
    expect(event(span({ ...base, "openai.response.service_tier": "flex" })).serviceTier).toBe("flex");
    expect(event(span({ ...base, "gen_ai.openai.response.service_tier": "priority" })).serviceTier).toBe("priority");
    // The response wins: "auto" requested, "default" served → standard (left out of the event).
    expect(event(span({ ...base, "gen_ai.openai.request.service_tier": "flex", "gen_ai.openai.response.service_tier": "default" })).serviceTier).toBeUndefined();
    expect(event(span({ ...base, "gen_ai.openai.request.service_tier": "batch" })).serviceTier).toBe("batch");
    expect(event(span({ ...base, "openai.response.service_tier": "weird" })).serviceTier).toBeUndefined();
  });

  it("reads the end user, the conversation, OpenInference tags and metadata", () => {
    const e = event(span({
      "llm.model_name": "gpt-4o-mini",
      "llm.token_count.prompt": 10,
      "llm.token_count.completion": 2,
      "user.id": "u-42",
      "gen_ai.conversation.id": "conv-7",
      "tag.tags": ["beta", " beta ", "", "x".repeat(80), 3],
      metadata: JSON.stringify({ customer: "acme", plan: "pro", otel: "not this" }),
    }));
    expect(e).toMatchObject({ userId: "u-42", sessionId: "conv-7", tags: ["beta", "x".repeat(64)] });
    expect(e.metadata).toMatchObject({ customer: "acme", plan: "pro", otel: { spanName: "chat" } });
    const bad = event(span({ "llm.model_name": "m", "llm.token_count.prompt": 1, "session.id": "s-1", metadata: "{not json" }));
    expect(bad.sessionId).toBe("s-1");
    expect(Object.keys(bad.metadata as object)).toEqual(["otel"]);
  });
});
