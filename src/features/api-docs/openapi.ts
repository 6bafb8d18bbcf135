import { z } from "zod";
import { setupInputSchema } from "~/features/auth";
import { EXPORT_COLUMNS, EXPORT_FORMATS, EXPORT_KINDS, type ExportColumnKind } from "~/features/export";
import { eventSchema, MAX_BATCH_EVENTS, MAX_BODY_BYTES } from "~/features/ingestion";
import { filtersSchema } from "~/lib/list-filters";
import { budgetStatusPath, budgetStatusSchema } from "./budgets-path";
import { otlpTracesPath, otlpTracesResponse } from "./otlp-path";

// An exported cell's JSON type, from the same column table the CSV/JSON/NDJSON writers use.
const CELL: Record<ExportColumnKind, Record<string, unknown>> = {
  text: { type: "string", nullable: true },
  json: { type: "object", nullable: true },
  integer: { type: "integer", nullable: true },
  number: { type: "number", nullable: true },
  decimal: { type: "string", pattern: "^-?\\d+(\\.\\d+)?$", nullable: true, description: "exact decimal" },
  id: { type: "string", pattern: "^\\d+$", nullable: true },
  timestamp: { type: "string", format: "date-time", nullable: true },
  boolean: { type: "boolean", nullable: true },
};
const exportRowSchemas = Object.fromEntries(
  EXPORT_KINDS.map((kind) => [
    `Export_${kind}`,
    { type: "object", properties: Object.fromEntries(EXPORT_COLUMNS[kind].map((c) => [c.name, CELL[c.kind]])) },
  ]),
);

// The REST surface described from the same zod schemas that validate it, so the document
// cannot drift from the code.
const toSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any", target: "openapi-3.0" });

const errorBody = {
  type: "object",
  properties: {
    error: { type: "string" },
    message: { type: "string" },
    issues: { type: "array", items: { $ref: "#/components/schemas/Issue" } },
    requestId: { type: "string" },
  },
  required: ["error", "message"],
};

const filterParams = Object.entries(
  (toSchema(filtersSchema) as { properties?: Record<string, unknown> }).properties ?? {},
).map(([name, schema]) => ({ name, in: "query", required: false, schema }));

const exportParams = [
  { name: "kind", in: "path", required: true, schema: { type: "string", enum: [...EXPORT_KINDS] } },
  { name: "format", in: "query", required: false, schema: { type: "string", enum: [...EXPORT_FORMATS], default: "csv" } },
  ...filterParams,
  { name: "search", in: "query", required: false, description: "prompts only: case-insensitive substring of the text", schema: { type: "string", maxLength: 200 } },
];
const exportHeaders = {
  "Content-Disposition": { schema: { type: "string" }, description: 'attachment; filename="<project>-<kind>-<YYYY-MM-DD>.<format>"' },
  "X-Export-Row-Limit": { schema: { type: "integer" }, description: "rows per export (EXPORT_MAX_ROWS)" },
};

export function openApiDocument(serverUrl: string) {
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  return {
    openapi: "3.0.3",
    info: {
      title: "AI Cost Profiler API",
      version: "1",
      description:
        "Ingestion of LLM call events (JSON and OTLP), budget status for apps, health, exports and first-run setup. Analytics lists are tRPC procedures at /api/trpc " +
        "(superjson); every list returns {items, nextCursor} with opaque keyset cursors: pass nextCursor back " +
        "unchanged with the same filters until it is null.",
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "project API key (acp_…)" } },
      schemas: {
        Event: toSchema(eventSchema),
        ...exportRowSchemas,
        Issue: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } }, required: ["path", "message"] },
        Error: errorBody,
        OtlpTracesResponse: otlpTracesResponse,
        BudgetStatus: budgetStatusSchema,
        Setup: toSchema(setupInputSchema),
        Health: {
          type: "object",
          properties: Object.fromEntries(
            ["db", "redis", "embeddings"].map((k) => [k, { type: "string", enum: ["ok", "absent", "down"] }]),
          ),
          required: ["db", "redis", "embeddings"],
        },
        IngestResult: {
          type: "object",
          properties: {
            accepted: { type: "integer" },
            duplicates: { type: "integer" },
            rejected: {
              type: "array",
              items: {
                type: "object",
                properties: { index: { type: "integer" }, issues: { type: "array", items: { $ref: "#/components/schemas/Issue" } } },
              },
            },
          },
          required: ["accepted", "duplicates", "rejected"],
        },
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      "/api/v1/events": {
        post: {
          summary: "Ingest one event or a batch",
          description: `One event, or {"events": [...]} with at most ${MAX_BATCH_EVENTS} events; body at most ${MAX_BODY_BYTES} bytes. Unknown fields are ignored. Accepted events are committed when the response is sent.`,
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  oneOf: [
                    { $ref: "#/components/schemas/Event" },
                    {
                      type: "object",
                      properties: { events: { type: "array", maxItems: MAX_BATCH_EVENTS, items: { $ref: "#/components/schemas/Event" } } },
                      required: ["events"],
                    },
                  ],
                },
              },
            },
          },
          responses: {
            "200": { description: "all stored", content: { "application/json": { schema: { $ref: "#/components/schemas/IngestResult" } } } },
            "207": { description: "some rejected, the rest stored", content: { "application/json": { schema: { $ref: "#/components/schemas/IngestResult" } } } },
            "400": error("not JSON, empty or oversized batch, or nothing valid"),
            "401": error("missing, malformed, unknown or revoked API key"),
            "413": error("body too large"),
            "415": error("Content-Type is not JSON"),
            "429": error("rate limited; see Retry-After"),
            "503": error("storage unavailable; nothing stored; see Retry-After"),
          },
        },
      },
      "/api/v1/otlp/v1/traces": otlpTracesPath,
      "/api/v1/budgets/status": budgetStatusPath(error),
      "/api/health": {
        get: {
          summary: "Health of the database, Redis and the embedder",
          security: [],
          responses: {
            "200": { description: "database reachable", content: { "application/json": { schema: { $ref: "#/components/schemas/Health" } } } },
            "503": { description: "database down; see Retry-After", content: { "application/json": { schema: { $ref: "#/components/schemas/Health" } } } },
          },
        },
      },
      "/api/openapi.json": {
        get: { summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.0 document" } } },
      },
      "/api/setup": {
        post: {
          summary: "First run: create the owner account with the one-time setup token, then sign in",
          description:
            "Open only while no account exists; the token is in the setup link the server prints. Needs a same-origin " +
            "request (Origin or Sec-Fetch-Site). Sets the session cookie on success.",
          security: [],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Setup" } } } },
          responses: {
            "201": { description: "owner created and signed in (Set-Cookie)" },
            "400": error("invalid form (issues name the field)"),
            "403": error("cross-site request, or the token is wrong, used or expired, or setup is closed"),
            "413": error("body too large"),
            "415": error("Content-Type is not JSON"),
            "429": error("too many attempts; see Retry-After"),
          },
        },
      },
      "/api/export/{kind}": {
        get: {
          summary: "Streamed export of events, features, models or prompts",
          description:
            "One REPEATABLE READ snapshot per file. CSV text cells starting with = + - @ tab or CR get a leading '. " +
            "X-Export-Row-Limit gives the cap (EXPORT_MAX_ROWS); a capped file ends with a _truncated marker record.",
          parameters: exportParams,
          responses: {
            "200": {
              description: "the file, streamed (Content-Disposition: attachment); one record per row, columns as in Export_<kind>",
              headers: exportHeaders,
              content: {
                "application/x-ndjson": { schema: { oneOf: EXPORT_KINDS.map((k) => ({ $ref: `#/components/schemas/Export_${k}` })) } },
              },
            },
            "400": error("bad kind, format, filter or unknown parameter (issues name it)"),
            "401": error("not authorised"),
            "503": error("this instance already runs its share of exports, or no database connection: Retry-After"),
          },
        },
        head: {
          summary: "The export's headers, without running its query",
          parameters: exportParams,
          responses: { "200": { description: "headers only", headers: exportHeaders }, "400": error("bad parameter"), "401": error("not authorised") },
        },
      },
    },
  };
}
