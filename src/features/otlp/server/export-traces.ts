import "server-only";
import { ingestEvents } from "~/features/ingestion/server";
import { MAX_BATCH_EVENTS, MAX_BODY_BYTES } from "~/features/ingestion";
import type { DbClient } from "~/server/db";
import { badRequest } from "~/server/errors";
import { parseBoundedJson } from "~/server/http";
import { decodeTracesJson } from "../decode-json";
import { decodeTracesProtobuf } from "../protobuf";
import { OtlpDecodeError, type OtlpSpan } from "../model";
import { spanToEvent } from "../span-to-event";
import { readOtlpBody, type OtlpEncoding } from "./read-body";

export type ExportResult = {
  /** LLM spans stored now, and those stored by an earlier export of the same spans. */
  accepted: number;
  duplicates: number;
  /** Spans not turned into events: not LLM calls, or LLM spans the ingestion rules refused. */
  rejectedSpans: number;
  errorMessage: string;
};

const MAX_OTLP_JSON_DEPTH = 64;
const MAX_REASONS = 5; // the partial-success message names a few refused spans, not thousands

function decode(encoding: OtlpEncoding, body: Uint8Array): OtlpSpan[] {
  try {
    if (encoding === "protobuf") return decodeTracesProtobuf(body);
    // Bounded like every JSON body, with room for OTLP's own envelope (ten levels to an attribute
    // value, three more per nested array or kvlist); the decoder keeps MAX_VALUE_DEPTH of them.
    return decodeTracesJson(parseBoundedJson(Buffer.from(body).toString("utf8"), MAX_OTLP_JSON_DEPTH));
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw badRequest(`invalid OTLP ${encoding} ExportTraceServiceRequest: ${err.message}`);
    throw err;
  }
}

/**
 * Stores the LLM spans of one OTLP trace export as cost events (in ingestion-sized batches; each
 * event's id is traceId+spanId, so a re-export is idempotent) and counts every other span as
 * rejected, which OTLP reports as a partial success.
 */
export async function exportTraces(
  client: DbClient,
  projectId: string,
  req: Request,
  encoding: OtlpEncoding,
  featureAttribute: string,
): Promise<ExportResult> {
  const spans = decode(encoding, await readOtlpBody(req, MAX_BODY_BYTES));
  const events: Record<string, unknown>[] = [];
  const where: OtlpSpan[] = [];
  let ignored = 0;
  for (const span of spans) {
    const outcome = spanToEvent(span, featureAttribute);
    if (!outcome.llm) {
      ignored += 1;
      continue;
    }
    events.push(outcome.event);
    where.push(span);
  }
  const result: ExportResult = { accepted: 0, duplicates: 0, rejectedSpans: ignored, errorMessage: "" };
  const reasons: string[] = [];
  let refused = 0;
  for (let start = 0; start < events.length; start += MAX_BATCH_EVENTS) {
    const batch = await ingestEvents(client, projectId, events.slice(start, start + MAX_BATCH_EVENTS));
    result.accepted += batch.accepted;
    result.duplicates += batch.duplicates;
    refused += batch.rejected.length;
    for (const r of batch.rejected) {
      if (reasons.length >= MAX_REASONS) break;
      const span = where[start + r.index];
      const issues = r.issues.map((i) => `${i.path}: ${i.message}`).join("; ");
      reasons.push(`span ${span?.spanId ?? "?"} (${span?.name ?? ""}): ${issues}`);
    }
  }
  result.rejectedSpans += refused;
  const parts: string[] = [];
  if (ignored > 0) parts.push(`${ignored} span(s) are not LLM calls (no gen_ai.*/llm.* model with token usage) and were ignored`);
  if (refused > 0) parts.push(`${refused} LLM span(s) refused: ${reasons.join(" | ")}${refused > reasons.length ? " | …" : ""}`);
  result.errorMessage = parts.join("; ");
  return result;
}
