// An Anthropic-compatible loopback server: /v1/messages as JSON or SSE (message_start carries the
// input side of usage, message_delta the cumulative output).
import { sse, startStub, type Stub } from "./http-stub.js";

export const nativeUsage = {
  input_tokens: 50,
  cache_creation_input_tokens: 1000,
  cache_read_input_tokens: 2000,
  output_tokens: 300,
  output_tokens_details: { thinking_tokens: 100 },
  service_tier: "standard",
};
const MODEL = "claude-sonnet-4-6";
const message = (usage: unknown, content: unknown[]) => ({
  id: "msg_1", type: "message", role: "assistant", model: MODEL, content, stop_reason: "end_turn", stop_sequence: null, usage,
});

export function startAnthropicStub(): Promise<Stub> {
  return startStub((req) => {
    const body = (req.json ?? {}) as Record<string, unknown>;
    if (req.url !== "/v1/messages") return { status: 404, json: { type: "error", error: { type: "not_found_error", message: req.url } } };
    if (body.model === "overloaded") {
      return { status: 529, json: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } };
    }
    if (body.stream !== true) return { status: 200, json: message(nativeUsage, [{ type: "text", text: "Hello" }]) };
    const start = { ...nativeUsage, output_tokens: 1, output_tokens_details: null };
    return {
      status: 200,
      sse: [
        sse({ type: "message_start", message: message(start, []) }, "message_start"),
        sse({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }, "content_block_start"),
        sse({ type: "ping" }, "ping"),
        sse({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } }, "content_block_delta"),
        sse({ type: "content_block_stop", index: 0 }, "content_block_stop"),
        sse({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 300, output_tokens_details: { thinking_tokens: 100 } } }, "message_delta"),
        sse({ type: "message_stop" }, "message_stop"),
      ],
    };
  });
}
