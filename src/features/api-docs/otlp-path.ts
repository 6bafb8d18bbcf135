import { MAX_BODY_BYTES } from "~/features/ingestion";

// POST /api/v1/otlp/v1/traces. The body is OpenTelemetry's own ExportTraceServiceRequest, decoded by
// hand (JSON or protobuf), so there is no zod schema to derive it from: it points at the OTLP spec.
const otlpError = (description: string) => ({
  description,
  content: {
    "application/json": { schema: { $ref: "#/components/schemas/Error" } },
    "application/x-protobuf": { schema: { type: "string", format: "binary", description: "google.rpc.Status" } },
  },
});

export const otlpTracesResponse = {
  type: "object",
  description: "ExportTraceServiceResponse; empty when every span became an event or was a duplicate",
  properties: {
    partialSuccess: {
      type: "object",
      properties: {
        rejectedSpans: { type: "integer", description: "spans that are not LLM calls, lack a model or usage, or that ingestion refused" },
        errorMessage: { type: "string", description: "why, for the first few rejected spans" },
      },
    },
  },
};

export const otlpTracesPath = {
  post: {
    summary: "OTLP/HTTP trace export: LLM spans become cost events",
    description:
      "Point an OpenTelemetry OTLP/HTTP trace exporter here (JSON or protobuf, optionally gzip). Each LLM span " +
      "(GenAI semantic conventions or OpenInference) becomes one cost event with id traceId+spanId, so a re-export " +
      `is a duplicate. Body at most ${MAX_BODY_BYTES} bytes before and after decompression. The answer is in the ` +
      "request's encoding; same API key, rate limit and error codes as POST /api/v1/events.",
    externalDocs: { url: "https://opentelemetry.io/docs/specs/otlp/#otlphttp", description: "OTLP/HTTP" },
    parameters: [
      { name: "Content-Encoding", in: "header", required: false, schema: { type: "string", enum: ["gzip", "identity"] } },
    ],
    requestBody: {
      required: true,
      content: {
        "application/json": { schema: { type: "object", description: "ExportTraceServiceRequest (OTLP JSON encoding)" } },
        "application/x-protobuf": { schema: { type: "string", format: "binary", description: "ExportTraceServiceRequest" } },
      },
    },
    responses: {
      "200": {
        description: "stored; spans that are not LLM calls are reported in partialSuccess",
        content: {
          "application/json": { schema: { $ref: "#/components/schemas/OtlpTracesResponse" } },
          "application/x-protobuf": { schema: { type: "string", format: "binary", description: "ExportTraceServiceResponse" } },
        },
      },
      "400": otlpError("not a valid OTLP request, or not valid gzip"),
      "401": otlpError("missing, malformed, unknown or revoked API key"),
      "413": otlpError("body too large (before or after decompression)"),
      "415": otlpError("Content-Type is not application/json or application/x-protobuf, or Content-Encoding is not gzip"),
      "429": otlpError("rate limited; see Retry-After"),
      "503": otlpError("storage unavailable; nothing stored; see Retry-After"),
    },
  },
};
