import "server-only";
import { createHash, randomUUID } from "node:crypto";
import type { z } from "zod";
import { env } from "~/env";
import { computeTierCostPicos } from "~/features/pricing";
import { getPricer } from "~/features/pricing/server";
import { latencyBucket } from "~/lib/latency";
import { formatPicos, parseUsdToPicos } from "~/lib/money";
import { normalizePrompt } from "~/lib/prompt";
import { storableBoundedJson, storableText } from "~/lib/storable-text";
import type { DbClient } from "~/server/db";
import { parseEventFast } from "../fast-event";
import { eventSchema, type IngestResult, type RejectedEvent, type ValidEvent } from "../schemas";
import { insertEvents, type EventRow, type PromptRow } from "./insert-events";
import { storedPrompt } from "./prompt-privacy";

function toIssues(error: z.ZodError): RejectedEvent["issues"] {
  return error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(event)", message: i.message }));
}

/**
 * NUL and unpaired surrogates (found by fuzzing: PostgreSQL refuses them) become U+FFFD.
 * `metadataJson`: the metadata's JSON text when the caller has it already.
 */
function storableEvent(e: ValidEvent, metadataJson?: string): ValidEvent {
  const text = (s: string | undefined) => (s === undefined ? undefined : storableText(s));
  return {
    ...e,
    id: text(e.id),
    provider: storableText(e.provider),
    model: storableText(e.model),
    feature: text(e.feature),
    errorMessage: text(e.errorMessage),
    prompt: text(e.prompt),
    userId: text(e.userId),
    sessionId: text(e.sessionId),
    tags: e.tags?.map(storableText),
    // Within MAX_JSON_DEPTH: the schema refused anything deeper.
    metadata: e.metadata === undefined ? undefined : (storableBoundedJson(e.metadata, metadataJson) as Record<string, unknown>),
  };
}

/**
 * Validates, prices and stores a batch for one project. Invalid items are reported by index and
 * the valid rest is stored in one statement; a repeated `id` (in the batch or from earlier) is a
 * duplicate, stored once. When this resolves, the accepted events are committed. With `keyId`,
 * the statement stores nothing and this throws 401 when that key has been revoked.
 */
export async function ingestEvents(
  client: DbClient,
  projectId: string,
  items: unknown[],
  options: { keyId?: string } = {},
): Promise<IngestResult> {
  const rejected: RejectedEvent[] = [];
  const valid: ValidEvent[] = [];
  const seenIds = new Set<string>();
  let duplicates = 0;
  const now = Date.now();
  items.forEach((item, index) => {
    // The plainly valid event without zod; zod for the rest, which names each issue.
    const fast = parseEventFast(item, now);
    let event: ValidEvent;
    if (fast) {
      event = storableEvent(fast.event, fast.metadataJson);
    } else {
      const parsed = eventSchema.safeParse(item);
      if (!parsed.success) {
        rejected.push({ index, issues: toIssues(parsed.error) });
        return;
      }
      event = storableEvent(parsed.data);
    }
    const id = event.id;
    if (id !== undefined) {
      if (seenIds.has(id)) {
        duplicates += 1;
        return;
      }
      seenIds.add(id);
    }
    valid.push(event);
  });
  if (valid.length === 0) return { accepted: 0, duplicates, rejected };

  const pricer = await getPricer(client.db, projectId);
  const received = new Date(now);
  const prompts = new Map<string, PromptRow>();
  const rows = valid.map((e): EventRow => {
    const ts = e.timestamp ?? received;
    let cost: bigint | null = null;
    let costSource: EventRow["cost_source"] = "unpriced";
    if (e.costUsd !== undefined) {
      cost = parseUsdToPicos(e.costUsd);
      costSource = "reported";
    } else {
      const price = pricer(e.provider, e.model, ts);
      // A tier the provider publishes no price for stays unpriced rather than billed as standard.
      const tierCost = price ? computeTierCostPicos(price, e, e.serviceTier) : null;
      if (tierCost !== null) {
        cost = tierCost;
        costSource = "computed";
      }
    }
    let promptHash: string | null = null;
    if (e.prompt !== undefined && e.prompt.length > 0) {
      // Always the hash of the original text, whatever is stored of it (prompt-privacy.ts).
      promptHash = createHash("sha256").update(normalizePrompt(e.prompt), "utf8").digest("hex");
      if (!prompts.has(promptHash)) {
        const stored = storedPrompt(e.prompt, env.STORE_PROMPT_TEXT, env.PROMPT_MAX_CHARS);
        prompts.set(promptHash, { hash: promptHash, ...stored, length: e.prompt.length });
      }
    }
    return {
      event_id: e.id ?? randomUUID(),
      ts: ts.toISOString(),
      provider: e.provider.toLowerCase(),
      model: e.model,
      feature: e.feature ?? "",
      user_id: e.userId ?? null,
      session_id: e.sessionId ?? null,
      tags: e.tags === undefined || e.tags.length === 0 ? null : e.tags,
      input_tokens: e.inputTokens,
      output_tokens: e.outputTokens,
      cached_input_tokens: e.cachedInputTokens ?? 0,
      cache_write_tokens: e.cacheWriteTokens ?? 0,
      reasoning_tokens: e.reasoningTokens ?? 0,
      cost_usd: cost === null ? null : formatPicos(cost),
      cost_source: costSource,
      latency_ms: e.latencyMs ?? null,
      latency_bucket: e.latencyMs === undefined ? null : latencyBucket(e.latencyMs),
      status: e.status ?? (e.errorMessage ? "error" : "success"),
      error_message: e.errorMessage ?? null,
      prompt_hash: promptHash,
      metadata: e.metadata ?? null,
      service_tier: e.serviceTier ?? "standard",
    };
  });

  const inserted = await insertEvents(client.sql, projectId, rows, [...prompts.values()], options.keyId ?? null);
  return { accepted: inserted, duplicates: duplicates + (rows.length - inserted), rejected };
}
