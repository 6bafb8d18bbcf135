// @anthropic-ai/sdk usage shapes, read structurally. Anthropic's `input_tokens` EXCLUDES cache reads
// and writes; the ingestion API (OpenTelemetry convention) wants them included, so they are added.
import { lastUserText } from "./prompt.js";
import type { WrapOptions } from "./types.js";
import type { Recorder } from "./call.js";
import { count, isRec, rec, serviceTierOf, type Adapter, type Rec, type StreamObserver, type Usage } from "./usage.js";
import { wrapClient } from "./wrap.js";

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Native Anthropic usage → the API's convention. */
export function anthropicUsage(usage: unknown, model?: string): Usage | null {
  if (!isRec(usage)) return null;
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  return {
    model,
    inputTokens: count(usage.input_tokens) + cacheRead + cacheWrite,
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: count(rec(usage.output_tokens_details).thinking_tokens),
    serviceTier: serviceTierOf(usage.service_tier),
  };
}

/**
 * One line of a Message Batches result file (`{custom_id, result: {type, message}}`) → usage in
 * the batch tier, for `profiler.track()`: batch calls are billed at the batch price.
 */
export function anthropicBatchResultUsage(line: unknown): Usage | null {
  const result = rec(rec(line).result);
  if (result.type !== "succeeded") return null;
  const message = rec(result.message);
  const usage = anthropicUsage(message.usage, str(message.model));
  return usage ? { ...usage, serviceTier: "batch" } : null;
}


const messages: Adapter = {
  provider: "anthropic",
  prompt: (params: Rec) => lastUserText(params.messages),
  usage: (result) => anthropicUsage(rec(result).usage, str(rec(result).model)),
  stream(): StreamObserver {
    // message_start carries the input side; message_delta carries cumulative counts (output always,
    // input and cache counts on newer API versions), so later non-null values win.
    const native: Rec = {};
    let model: string | undefined;
    let seen = false;
    let failure: string | undefined;
    const merge = (u: unknown) => {
      if (!isRec(u)) return;
      seen = true;
      for (const [k, v] of Object.entries(u)) if (v !== null && v !== undefined) native[k] = v;
    };
    return {
      onItem(item) {
        const ev = rec(item);
        if (ev.type === "message_start") {
          const message = rec(ev.message);
          model = str(message.model) ?? model;
          merge(message.usage);
        } else if (ev.type === "message_delta") {
          merge(ev.usage);
        } else if (ev.type === "error") {
          failure = str(rec(ev.error).message) ?? "stream error";
        }
        return true;
      },
      usage: () => (seen ? anthropicUsage(native, model) : null),
      error: () => failure,
    };
  },
};

/**
 * Records `messages.create` and `beta.messages.create` (and `messages.stream()`/`parse()`, built on
 * it) of an `@anthropic-ai/sdk` client. Returns a proxy; results, streams and errors are unchanged.
 */
export function wrapAnthropicClient<C extends object>(client: C, recorder: Recorder, options: WrapOptions): C {
  return wrapClient(client, { messages: { create: messages }, beta: { messages: { create: messages } } }, recorder, options);
}
