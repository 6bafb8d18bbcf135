import { describe, expect, it } from "vitest";
import { anthropicBatchResultUsage, anthropicUsage } from "./anthropic.js";
import { geminiBatchResultUsage } from "./gemini.js";
import { chatUsage, responsesUsage } from "./openai.js";

describe("service tiers read from provider responses", () => {
  it("OpenAI: service_tier on chat and responses results (default → standard, left out)", () => {
    const usage = { prompt_tokens: 10, completion_tokens: 2 };
    expect(chatUsage({ model: "gpt-5", service_tier: "flex", usage })?.serviceTier).toBe("flex");
    expect(chatUsage({ model: "gpt-5", service_tier: "default", usage })?.serviceTier).toBeUndefined();
    expect(responsesUsage({ service_tier: "priority", usage: { input_tokens: 1, output_tokens: 1 } })?.serviceTier).toBe("priority");
  });

  it("Anthropic: usage.service_tier, and batch result lines are the batch tier", () => {
    expect(anthropicUsage({ input_tokens: 1, output_tokens: 1, service_tier: "priority" })?.serviceTier).toBe("priority");
    const line = {
      custom_id: "a",
      result: { type: "succeeded", message: { model: "claude-sonnet-4-5", usage: { input_tokens: 100, cache_read_input_tokens: 50, output_tokens: 7 } } },
    };
    expect(anthropicBatchResultUsage(line)).toMatchObject({ model: "claude-sonnet-4-5", inputTokens: 150, cachedInputTokens: 50, outputTokens: 7, serviceTier: "batch" });
    expect(anthropicBatchResultUsage({ custom_id: "b", result: { type: "errored" } })).toBeNull();
  });

  it("Gemini: batch responses are the batch tier, thoughts added to output", () => {
    const line = { response: { modelVersion: "gemini-2.5-pro", usageMetadata: { promptTokenCount: 1000, cachedContentTokenCount: 400, candidatesTokenCount: 50, thoughtsTokenCount: 30 } } };
    expect(geminiBatchResultUsage(line)).toEqual({
      model: "gemini-2.5-pro", inputTokens: 1000, outputTokens: 80, cachedInputTokens: 400, reasoningTokens: 30, serviceTier: "batch",
    });
    expect(geminiBatchResultUsage({})).toBeNull();
  });
});
