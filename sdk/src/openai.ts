// openai (v4–v6) usage shapes, read structurally: no dependency on the SDK's types or code.
import { lastUserText, responsesInputText } from "./prompt.js";
import type { WrapOptions } from "./types.js";
import type { Recorder } from "./call.js";
import { count, isRec, rec, serviceTierOf, type Adapter, type Rec, type StreamObserver, type Usage } from "./usage.js";
import { wrapClient } from "./wrap.js";

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Chat Completions `usage`: prompt_tokens already include cached tokens, completion_tokens include reasoning. */
export function chatUsage(result: unknown): Usage | null {
  const r = rec(result);
  if (!isRec(r.usage)) return null;
  const u = r.usage;
  const prompt = rec(u.prompt_tokens_details);
  const completion = rec(u.completion_tokens_details);
  return {
    model: str(r.model),
    inputTokens: count(u.prompt_tokens),
    outputTokens: count(u.completion_tokens),
    cachedInputTokens: count(prompt.cached_tokens),
    // Not in OpenAI's own API; some compatible servers (Azure, gateways) report cache writes here.
    cacheWriteTokens: count(prompt.cache_write_tokens),
    reasoningTokens: count(completion.reasoning_tokens),
    serviceTier: serviceTierOf(r.service_tier),
  };
}

/** Responses API `usage`: input_tokens include cached, output_tokens include reasoning. */
export function responsesUsage(result: unknown): Usage | null {
  const r = rec(result);
  if (!isRec(r.usage)) return null;
  const u = r.usage;
  return {
    model: str(r.model),
    inputTokens: count(u.input_tokens),
    outputTokens: count(u.output_tokens),
    cachedInputTokens: count(rec(u.input_tokens_details).cached_tokens),
    cacheWriteTokens: count(rec(u.input_tokens_details).cache_write_tokens),
    reasoningTokens: count(rec(u.output_tokens_details).reasoning_tokens),
    serviceTier: serviceTierOf(r.service_tier),
  };
}

const chatCompletions: Adapter = {
  provider: "openai",
  // Streams carry usage only when asked (a last chunk with `choices: []`): the wrapper asks, and
  // hides that chunk from the caller unless the caller asked for it too.
  prepare(params: Rec): Rec | undefined {
    if (params.stream !== true || rec(params.stream_options).include_usage === true) return undefined;
    return { ...params, stream_options: { ...rec(params.stream_options), include_usage: true } };
  },
  prompt: (params) => lastUserText(params.messages),
  usage: chatUsage,
  stream(params: Rec): StreamObserver {
    const hide = rec(params.stream_options).include_usage !== true;
    let usage: Usage | null = null;
    let model: string | undefined;
    return {
      onItem(item) {
        const chunk = rec(item);
        model ??= str(chunk.model);
        if (!isRec(chunk.usage)) return true;
        usage = chatUsage(chunk);
        return !(hide && Array.isArray(chunk.choices) && chunk.choices.length === 0);
      },
      usage: () => (usage ? { ...usage, model: usage.model ?? model } : null),
      error: () => undefined,
    };
  },
};

const responses: Adapter = {
  provider: "openai",
  prompt: (params) => responsesInputText(params.input),
  usage: responsesUsage,
  stream(): StreamObserver {
    let usage: Usage | null = null;
    let model: string | undefined;
    let failure: string | undefined;
    return {
      onItem(item) {
        const ev = rec(item);
        const response = rec(ev.response);
        model = str(response.model) ?? model;
        if (ev.type === "response.completed" || ev.type === "response.incomplete" || ev.type === "response.failed") {
          usage = responsesUsage(response);
        }
        if (ev.type === "response.failed") failure = str(rec(response.error).message) ?? "response.failed";
        if (ev.type === "error") failure = str(ev.message) ?? "stream error";
        return true;
      },
      usage: () => (usage ? { ...usage, model: usage.model ?? model } : null),
      error: () => failure,
    };
  },
};

/**
 * Records `chat.completions.create` and `responses.create` (and the helpers built on them:
 * `parse()`, `stream()`, `runTools()`) of an `openai` client. Returns a proxy: use it in place of
 * the client; results, streams and errors are exactly the client's own.
 */
export function wrapOpenAIClient<C extends object>(client: C, recorder: Recorder, options: WrapOptions): C {
  return wrapClient(client, { chat: { completions: { create: chatCompletions } }, responses: { create: responses } }, recorder, options);
}
