// An OpenAI-compatible loopback server with realistic shapes: Chat Completions (JSON and SSE,
// the usage chunk only when `stream_options.include_usage` is set) and the Responses API.
import { sse, startStub, type Stub, type StubReply } from "./http-stub.js";

export const chatUsage = {
  prompt_tokens: 1200,
  completion_tokens: 300,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 64, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};
export const responsesUsage = {
  input_tokens: 900,
  input_tokens_details: { cached_tokens: 512 },
  output_tokens: 400,
  output_tokens_details: { reasoning_tokens: 256 },
  total_tokens: 1300,
};
const MODEL = "gpt-4o-mini-2024-07-18";
const base = { id: "chatcmpl-1", created: 1_760_000_000, model: MODEL, system_fingerprint: "fp_1" };

function chat(body: Record<string, unknown>): StubReply {
  if (body.stream !== true) {
    return {
      status: 200,
      headers: { "x-request-id": "req_chat" },
      json: {
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "Hello there", refusal: null }, finish_reason: "stop", logprobs: null }],
        usage: chatUsage,
      },
    };
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    usage: null,
  });
  const frames = [sse(chunk({ role: "assistant", content: "" }, null)), sse(chunk({ content: "Hello" }, null)), sse(chunk({ content: " there" }, null)), sse(chunk({}, "stop"))];
  const opts = body.stream_options as { include_usage?: boolean } | undefined;
  if (opts?.include_usage === true) frames.push(sse({ ...base, object: "chat.completion.chunk", choices: [], usage: chatUsage }));
  frames.push("data: [DONE]\n\n");
  return { status: 200, sse: frames };
}

function responses(body: Record<string, unknown>): StubReply {
  const response = (status: string, usage: unknown) => ({
    id: "resp_1",
    object: "response",
    created_at: 1_760_000_000,
    status,
    model: "gpt-5-mini-2025-08-07",
    output: status === "completed" ? [{ type: "message", id: "msg_1", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hi", annotations: [] }] }] : [],
    usage,
  });
  if (body.stream !== true) return { status: 200, json: response("completed", responsesUsage) };
  return {
    status: 200,
    sse: [
      sse({ type: "response.created", sequence_number: 0, response: response("in_progress", null) }, "response.created"),
      sse({ type: "response.output_text.delta", sequence_number: 1, item_id: "msg_1", output_index: 0, content_index: 0, delta: "Hi" }, "response.output_text.delta"),
      sse({ type: "response.completed", sequence_number: 2, response: response("completed", responsesUsage) }, "response.completed"),
    ],
  };
}

export function startOpenAIStub(): Promise<Stub> {
  return startStub((req) => {
    const body = (req.json ?? {}) as Record<string, unknown>;
    if (body.model === "no-such-model") {
      return { status: 404, json: { error: { message: "The model `no-such-model` does not exist", type: "invalid_request_error", code: "model_not_found" } } };
    }
    if (req.url === "/v1/chat/completions") return chat(body);
    if (req.url === "/v1/responses") return responses(body);
    return { status: 404, json: { error: { message: `no route ${req.url}` } } };
  });
}
