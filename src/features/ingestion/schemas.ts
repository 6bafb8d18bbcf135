import { z } from "zod";
import { MAX_JSON_DEPTH, jsonDepthIssue } from "~/lib/json-bounds";
import { PICOS_PER_USD, parseUsdToPicos } from "~/lib/money";
import { serviceTierSchema } from "~/lib/service-tier";

// Limits of the ingestion contract (SPEC.md). Each has a reason:
export const MAX_BATCH_EVENTS = 1000; // one transaction stays short; SDKs split bigger buffers
export const MAX_BODY_BYTES = 5 * 1024 * 1024; // 5 MiB: a full batch with generous prompts
export const MAX_METADATA_BYTES = 8 * 1024; // metadata is for tags, not payloads
export const MAX_TOKENS = 1_000_000_000; // no call has a billion tokens; also fits int4
export const MAX_COST_USD = 100_000; // a single call costing more is a unit mistake
export const MAX_FUTURE_MS = 24 * 3600 * 1000; // clock skew allowance
export const MAX_PAST_MS = 366 * 24 * 3600 * 1000; // backfills up to a year
export const MAX_ERROR_MESSAGE_CHARS = 4096; // longer messages are stored truncated
export const MAX_TAGS = 20; // tags are for grouping (team, experiment, env), not free text
export const MAX_TAG_CHARS = 64;
/** The longest text each identifier may be, in UTF-16 units after trimming. */
export const MAX_CHARS = { id: 128, provider: 64, model: 200, feature: 200, userId: 256, sessionId: 256 } as const;
export const MAX_LATENCY_MS = 86_400_000; // one day

const tokens = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must not be negative`)
    .max(MAX_TOKENS, `${name} must be at most ${MAX_TOKENS}`);

const identifier = (name: string, max: number) =>
  z
    .string({ error: `${name} must be a string` })
    .trim()
    .min(1, `${name} must not be empty`)
    .max(max, `${name} must be at most ${max} characters`);

/** Identifiers are grouped on: two spellings of "café" (composed or not) are one name. */
const nfc = (s: string) => s.normalize("NFC");

// A repeated tag (after NFC) counts once; sorted so equal sets are stored alike.
const tags = z
  .array(
    z
      .string({ error: "tags must be strings" })
      .trim()
      .min(1, "tags must not be empty")
      .max(MAX_TAG_CHARS, `tags must be at most ${MAX_TAG_CHARS} characters`),
    { error: "tags must be an array of strings" },
  )
  .max(MAX_TAGS, `tags must hold at most ${MAX_TAGS} tags`)
  .transform((list) => [...new Set(list.map(nfc))].sort());

const timestamp = z
  .union([
    z.iso.datetime({ offset: true, error: "timestamp must be ISO-8601 with a time zone or epoch milliseconds" }),
    z.number().int("timestamp in epoch milliseconds must be a whole number"),
  ], { error: "timestamp must be ISO-8601 with a time zone or epoch milliseconds" })
  .transform((v, ctx) => {
    const d = new Date(v);
    const t = d.getTime();
    if (Number.isNaN(t)) {
      ctx.addIssue({ code: "custom", message: "timestamp is not a valid date" });
      return z.NEVER;
    }
    const now = Date.now();
    if (t > now + MAX_FUTURE_MS) {
      ctx.addIssue({ code: "custom", message: "timestamp is more than 24 hours in the future" });
      return z.NEVER;
    }
    if (t < now - MAX_PAST_MS) {
      ctx.addIssue({ code: "custom", message: "timestamp is more than 366 days in the past" });
      return z.NEVER;
    }
    return d;
  });

const MAX_COST_PICOS = BigInt(MAX_COST_USD) * PICOS_PER_USD;
/** Compared exactly; a malformed or negative amount is another check's issue (zod runs them all). */
export function withinMaxCost(v: string | number): boolean {
  try {
    return parseUsdToPicos(v) <= MAX_COST_PICOS;
  } catch {
    return true;
  }
}

/** A reported cost as a decimal string (strings keep full precision). */
export const COST_USD_TEXT = /^\d{1,6}(\.\d{1,12})?$/;

// Reported cost: a JSON number or a decimal string.
const costUsd = z.union(
  [
    z
      .number()
      .min(0, "costUsd must not be negative")
      .refine(withinMaxCost, `costUsd must be at most ${MAX_COST_USD}`),
    z
      .string()
      .regex(COST_USD_TEXT, "costUsd must be a non-negative decimal with at most 12 decimals")
      // Exactly: Number("100000.000000000001") rounds to 100000 and slipped past the maximum.
      .refine(withinMaxCost, `costUsd must be at most ${MAX_COST_USD}`),
  ],
  { error: "costUsd must be a non-negative number or decimal string" },
);

const metadata = z
  .record(z.string(), z.unknown(), { error: "metadata must be a JSON object" })
  .superRefine((m, ctx) => {
    // Depth first and without recursion: JSON.stringify (and every later reader) recurses.
    const deep = jsonDepthIssue(m, MAX_JSON_DEPTH);
    if (deep) {
      ctx.addIssue({ code: "custom", message: `metadata must be nested at most ${MAX_JSON_DEPTH} levels deep (at metadata${deep.path === "(body)" ? "" : `.${deep.path}`})` });
      return;
    }
    if (Buffer.byteLength(JSON.stringify(m), "utf8") > MAX_METADATA_BYTES) {
      ctx.addIssue({ code: "custom", message: `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON` });
    }
  })
  // Keys are grouped on (breakdown by metadata:<key>): stored in NFC like the other identifiers.
  .transform((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [nfc(k), v])));

/** One LLM call. Unknown fields are ignored (older and newer SDKs keep working). */
export const eventSchema = z
  .object({
    id: identifier("id", MAX_CHARS.id).optional(),
    timestamp: timestamp.optional(),
    provider: identifier("provider", MAX_CHARS.provider),
    model: identifier("model", MAX_CHARS.model),
    feature: identifier("feature", MAX_CHARS.feature).transform(nfc).optional(),
    inputTokens: tokens("inputTokens"),
    outputTokens: tokens("outputTokens"),
    cachedInputTokens: tokens("cachedInputTokens").optional(),
    cacheWriteTokens: tokens("cacheWriteTokens").optional(),
    reasoningTokens: tokens("reasoningTokens").optional(),
    costUsd: costUsd.optional(),
    latencyMs: z
      .number({ error: "latencyMs must be a number" })
      .min(0, "latencyMs must not be negative")
      .max(MAX_LATENCY_MS, "latencyMs must be at most one day")
      .transform(Math.round)
      .optional(),
    status: z.enum(["success", "error"], { error: 'status must be "success" or "error"' }).optional(),
    errorMessage: z
      .string({ error: "errorMessage must be a string" })
      .transform((s) => s.slice(0, MAX_ERROR_MESSAGE_CHARS))
      .optional(),
    prompt: z.string({ error: "prompt must be a string" }).optional(),
    userId: identifier("userId", MAX_CHARS.userId).transform(nfc).optional(),
    sessionId: identifier("sessionId", MAX_CHARS.sessionId).transform(nfc).optional(),
    tags: tags.optional(),
    metadata: metadata.optional(),
    serviceTier: serviceTierSchema.optional(),
  }, { error: "each event must be a JSON object" })
  .superRefine((e, ctx) => {
    const cached = e.cachedInputTokens ?? 0;
    const writes = e.cacheWriteTokens ?? 0;
    // Only meaningful once every count is itself valid (zod runs this even when a field failed).
    const countsValid = [e.inputTokens, cached, writes].every((n) => Number.isInteger(n) && n >= 0);
    if (countsValid && cached + writes > e.inputTokens) {
      ctx.addIssue({
        code: "custom",
        path: [e.cachedInputTokens !== undefined ? "cachedInputTokens" : "cacheWriteTokens"],
        message:
          "cachedInputTokens + cacheWriteTokens must not exceed inputTokens (inputTokens counts every prompt token, cache reads and writes included)",
      });
    }
    if (Number.isInteger(e.outputTokens) && e.outputTokens >= 0 && (e.reasoningTokens ?? 0) > e.outputTokens) {
      ctx.addIssue({
        code: "custom",
        path: ["reasoningTokens"],
        message: "reasoningTokens must not exceed outputTokens (outputTokens includes reasoning)",
      });
    }
  });

export type EventInput = z.input<typeof eventSchema>;
export type ValidEvent = z.output<typeof eventSchema>;

export type RejectedEvent = { index: number; issues: { path: string; message: string }[] };

export type IngestResult = { accepted: number; duplicates: number; rejected: RejectedEvent[] };
