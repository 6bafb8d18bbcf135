// One LLM span → one cost event, from the OpenTelemetry GenAI semantic conventions (`gen_ai.*`,
// including the older spellings still emitted) or OpenInference (`llm.*`). Pure: no I/O.
import { normalizeServiceTier } from "~/lib/service-tier";
import type { Attributes, AttrValue, OtlpSpan } from "./model";

type Event = Record<string, unknown>;
export type SpanOutcome = { llm: true; event: Event } | { llm: false };

const first = (a: Attributes, keys: string[]): AttrValue | undefined => {
  for (const k of keys) {
    const v = a.get(k);
    if (v !== undefined && v !== null && v !== "") return v;
  }
  return undefined;
};
const text = (v: AttrValue | undefined): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);
const tokens = (v: AttrValue | undefined): number | undefined => {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.round(n) : undefined;
};

const MODEL = ["gen_ai.response.model", "gen_ai.request.model", "llm.model_name"];
const PROVIDER = ["gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"];
const INPUT = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"];
const OUTPUT = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"];
const CACHE_READ = ["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "llm.token_count.prompt_details.cache_read"];
const CACHE_WRITE = ["gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens", "llm.token_count.prompt_details.cache_write"];
// The tier the provider answered with wins over the one requested ("auto" may become "default").
const SERVICE_TIER = [
  "openai.response.service_tier",
  "gen_ai.openai.response.service_tier",
  "openai.request.service_tier",
  "gen_ai.openai.request.service_tier",
];
const REASONING = ["gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "llm.token_count.completion_details.reasoning"];
// Operations that are one model call. Agent/workflow/tool spans may repeat their children's usage;
// counting them too would bill a call twice.
const LLM_OPERATIONS = new Set(["chat", "text_completion", "generate_content", "completion", "responses", "embeddings"]);
const LLM_KINDS = new Set(["LLM", "EMBEDDING"]);
const MAX_PROMPT_JSON = 1024 * 1024; // gen_ai.input.messages can be huge; beyond this we don't parse it

/** The last user turn, from GenAI `gen_ai.input.messages` (JSON), OpenInference flattened messages or `gen_ai.prompt.N.*`. */
function promptOf(a: Attributes): string | undefined {
  const messages = text(a.get("gen_ai.input.messages"));
  if (messages && messages.length <= MAX_PROMPT_JSON) {
    try {
      const parsed: unknown = JSON.parse(messages);
      if (Array.isArray(parsed)) {
        for (let i = parsed.length - 1; i >= 0; i--) {
          const m = parsed[i] as { role?: unknown; parts?: unknown; content?: unknown };
          if (m?.role !== "user") continue;
          if (typeof m.content === "string") return m.content;
          const parts = Array.isArray(m.parts) ? (m.parts as { type?: unknown; content?: unknown }[]) : [];
          return parts.filter((p) => p?.type === "text" && typeof p.content === "string").map((p) => String(p.content)).join("\n") || undefined;
        }
      }
    } catch {
      // not JSON: fall through to the flattened forms
    }
  }
  for (const [prefix, content] of [["llm.input_messages.", ".message.content"], ["gen_ai.prompt.", ".content"]] as const) {
    let found: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const role = a.get(`${prefix}${i}${prefix.startsWith("llm") ? ".message.role" : ".role"}`);
      if (role === undefined) break;
      if (role === "user") found = text(a.get(`${prefix}${i}${content}`)) ?? found;
    }
    if (found !== undefined) return found;
  }
  return text(a.get("gen_ai.prompt"));
}

/** OpenInference `tag.tags` (a string array): kept within the events route's limits, never a rejection. */
function tagsOf(v: AttrValue | undefined): string[] {
  if (!Array.isArray(v)) return [];
  const out = v.filter((t): t is string => typeof t === "string" && t.trim() !== "").map((t) => t.trim().slice(0, 64));
  return [...new Set(out)].slice(0, 20);
}

const MAX_SPAN_METADATA = 4096; // leaves room for `otel` within the events route's 8 KiB

/** OpenInference `metadata` (a JSON object as a string): its keys join the event's metadata. */
function openInferenceMetadata(v: AttrValue | undefined): Record<string, unknown> {
  const raw = text(v);
  if (raw === undefined || raw.length > MAX_SPAN_METADATA) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    const { otel: _ignored, ...rest } = parsed as Record<string, unknown>;
    return rest;
  } catch {
    return {};
  }
}

function isLlmSpan(a: Attributes, model: string | undefined, input: number | undefined, output: number | undefined): boolean {
  if (model === undefined) return false;
  const operation = text(a.get("gen_ai.operation.name"));
  if (operation !== undefined && !LLM_OPERATIONS.has(operation)) return false;
  const kind = text(a.get("openinference.span.kind"));
  if (kind !== undefined && !LLM_KINDS.has(kind.toUpperCase())) return false;
  // A call without usage counts only when its span says it is a model call (e.g. a failed one).
  return input !== undefined || output !== undefined || operation !== undefined || kind !== undefined;
}

/**
 * The event for an LLM span, or `{llm: false}` for any other span. Usage follows the API's convention
 * (input includes cache reads and writes, output includes reasoning), which is also GenAI's; a span
 * whose parts exceed their total evidently used provider-native counts, so the parts are added.
 */
export function spanToEvent(span: OtlpSpan, featureAttribute: string): SpanOutcome {
  const a = span.attributes;
  const model = text(first(a, MODEL));
  let input = tokens(first(a, INPUT));
  let output = tokens(first(a, OUTPUT));
  if (!isLlmSpan(a, model, input, output) || model === undefined) return { llm: false };
  const cacheRead = tokens(first(a, CACHE_READ)) ?? 0;
  const cacheWrite = tokens(first(a, CACHE_WRITE)) ?? 0;
  const reasoning = tokens(first(a, REASONING)) ?? 0;
  const metadata: Record<string, unknown> = { otel: { traceId: span.traceId, spanId: span.spanId, spanName: span.name.slice(0, 200) } };
  input ??= 0;
  output ??= 0;
  if (cacheRead + cacheWrite > input) {
    input += cacheRead + cacheWrite;
    metadata.inputTokensAdjusted = "cache tokens were outside input_tokens; added";
  }
  if (reasoning > output) {
    output += reasoning;
    metadata.outputTokensAdjusted = "reasoning tokens were outside output_tokens; added";
  }
  const event: Event = {
    provider: text(first(a, PROVIDER)) ?? "unknown",
    model,
    inputTokens: input,
    outputTokens: output,
    metadata,
  };
  // Re-exports of the same span are duplicates, not new calls.
  if (span.traceId !== "" || span.spanId !== "") event.id = `${span.traceId}${span.spanId}`;
  if (cacheRead > 0) event.cachedInputTokens = cacheRead;
  if (cacheWrite > 0) event.cacheWriteTokens = cacheWrite;
  if (reasoning > 0) event.reasoningTokens = reasoning;
  const tier = normalizeServiceTier(first(a, SERVICE_TIER));
  if (tier !== null && tier !== "standard") event.serviceTier = tier;
  if (span.startNs > 0n) event.timestamp = Number(span.startNs / 1_000_000n);
  if (span.startNs > 0n && span.endNs >= span.startNs) event.latencyMs = Number(span.endNs - span.startNs) / 1e6;
  if (span.statusCode === 2) {
    event.status = "error";
    event.errorMessage = span.statusMessage || text(a.get("error.type")) || "error";
  } else {
    event.status = "success";
  }
  const feature = text(a.get(featureAttribute)) ?? text(span.resource.get(featureAttribute)) ?? text(span.resource.get("service.name"));
  if (feature !== undefined) event.feature = feature.slice(0, 200);
  const prompt = promptOf(a);
  if (prompt !== undefined) event.prompt = prompt;
  const user = text(first(a, ["user.id", "enduser.id"]));
  if (user !== undefined) event.userId = user.slice(0, 256);
  const session = text(first(a, ["session.id", "gen_ai.conversation.id"]));
  if (session !== undefined) event.sessionId = session.slice(0, 256);
  const tags = tagsOf(a.get("tag.tags"));
  if (tags.length > 0) event.tags = tags;
  Object.assign(metadata, openInferenceMetadata(a.get("metadata")));
  return { llm: true, event };
}
