// Test fixture (not imported by the app): GenAI spans produced by the real OpenTelemetry JS SDK and
// sent by a real OTLP exporter, the way an instrumented application emits them.
import { SpanStatusCode, type Attributes } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";

export type SpanSpec = { name: string; attributes: Attributes; error?: string; startMs: number; durationMs: number };

/** A GenAI (current semantic conventions) OpenAI chat call's provider, model and usage. */
export const OPENAI_CHAT_ATTRIBUTES = {
  "gen_ai.provider.name": "openai",
  "gen_ai.request.model": "gpt-4o",
  "gen_ai.response.model": "gpt-4o-2024-08-06",
  "gen_ai.usage.input_tokens": 1200,
  "gen_ai.usage.output_tokens": 300,
  "gen_ai.usage.cache_read.input_tokens": 1024,
} as const;

/** Four LLM spans (GenAI current and legacy names, OpenInference, a failed call) and two others. */
export function genAiSpans(now = Date.now()): SpanSpec[] {
  const t = now - 60_000;
  return [
    {
      name: "chat gpt-4o",
      startMs: t,
      durationMs: 840,
      attributes: {
        "gen_ai.operation.name": "chat",
        ...OPENAI_CHAT_ATTRIBUTES,
        "gen_ai.usage.reasoning.output_tokens": 0,
        "gen_ai.input.messages": JSON.stringify([
          { role: "system", parts: [{ type: "text", content: "Be brief." }] },
          { role: "user", parts: [{ type: "text", content: "Where does our AI money go?" }] },
        ]),
        feature: "search",
      },
    },
    {
      name: "anthropic.chat",
      startMs: t + 1000,
      durationMs: 1500,
      attributes: {
        "gen_ai.system": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-5",
        "gen_ai.usage.prompt_tokens": 3050,
        "gen_ai.usage.completion_tokens": 200,
        "gen_ai.usage.cache_read_input_tokens": 2000,
        "gen_ai.usage.cache_creation_input_tokens": 1000,
        "user.id": "u-7",
      },
    },
    {
      name: "ChatCompletion",
      startMs: t + 2000,
      durationMs: 500,
      attributes: {
        "openinference.span.kind": "LLM",
        "llm.provider": "openai",
        "llm.model_name": "gpt-4o-mini",
        "llm.token_count.prompt": 500,
        "llm.token_count.completion": 50,
        "llm.token_count.prompt_details.cache_read": 256,
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "Summarise the invoice",
        "session.id": "s-1",
      },
    },
    {
      name: "chat gpt-4o-mini",
      startMs: t + 3000,
      durationMs: 30,
      error: "429 Too Many Requests",
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini" },
    },
    { name: "GET /search", startMs: t, durationMs: 4000, attributes: { "http.request.method": "GET" } },
    {
      name: "invoke_agent planner",
      startMs: t,
      durationMs: 4000,
      attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 9999, "gen_ai.usage.output_tokens": 999 },
    },
  ];
}

/** Emits `specs` through a real tracer provider (batching, as in production) into `exporter`; waits until exported. */
export async function emitSpans(exporter: SpanExporter, specs: SpanSpec[], serviceName = "checkout-api"): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 })],
  });
  const tracer = provider.getTracer("acp-test");
  for (const s of specs) {
    const span = tracer.startSpan(s.name, { attributes: s.attributes, startTime: s.startMs });
    if (s.error) span.setStatus({ code: SpanStatusCode.ERROR, message: s.error });
    span.end(s.startMs + s.durationMs);
  }
  await provider.forceFlush();
  await provider.shutdown();
}
