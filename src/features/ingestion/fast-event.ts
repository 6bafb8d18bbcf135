// eventSchema's common case without zod. zod's safeParse of one event was a fifth of the server's
// CPU on 500-event batches (bench:ingest's profile, session 40): it runs every check of every
// field through its generic machinery. Here the plainly valid event is checked field by field and
// built as eventSchema would build it; anything else (a field missing, out of range, of another
// type, a timestamp in any other ISO form) answers `undefined`, and eventSchema parses the item
// and names its issues. So this may only ever accept what eventSchema accepts, with the same
// output: `fast-event.test.ts` holds the two equal on generated events, valid and not.
import { MAX_JSON_DEPTH, withinDepth } from "~/lib/json-bounds";
import { SERVICE_TIERS, type ServiceTier } from "~/lib/service-tier";
import {
  COST_USD_TEXT, MAX_CHARS, MAX_ERROR_MESSAGE_CHARS, MAX_FUTURE_MS, MAX_LATENCY_MS, MAX_METADATA_BYTES, MAX_PAST_MS, MAX_TAG_CHARS, MAX_TAGS,
  MAX_TOKENS, withinMaxCost, type ValidEvent,
} from "./schemas";

/** A valid event, and its metadata's JSON text when it has metadata (made once for the size check). */
export type FastEvent = { event: ValidEvent; metadataJson: string | undefined };

// Date.prototype.toISOString's form (what the SDK and JavaScript clients send): a string of this
// shape that a Date gives back unchanged is a real instant in UTC, which z.iso.datetime accepts.
const ISO_UTC_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\dZ$/;

const nfc = (s: string) => s.normalize("NFC");

function identifier(v: unknown, max: number): string | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t.length >= 1 && t.length <= max ? t : undefined;
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_TOKENS;

function instant(v: unknown, now: number): Date | undefined {
  let d: Date;
  if (typeof v === "string") {
    if (v.length !== 24 || !ISO_UTC_MILLIS.test(v)) return undefined;
    d = new Date(v);
    if (Number.isNaN(d.getTime()) || d.toISOString() !== v) return undefined;
  } else if (typeof v === "number" && Number.isSafeInteger(v)) {
    d = new Date(v);
  } else {
    return undefined;
  }
  const t = d.getTime();
  return Number.isNaN(t) || t > now + MAX_FUTURE_MS || t < now - MAX_PAST_MS ? undefined : d;
}

function costUsd(v: unknown): string | number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 && withinMaxCost(v) ? v : undefined;
  if (typeof v === "string") return COST_USD_TEXT.test(v) && withinMaxCost(v) ? v : undefined;
  return undefined;
}

function tags(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length > MAX_TAGS) return undefined;
  const out: string[] = [];
  for (const tag of v) {
    const t = identifier(tag, MAX_TAG_CHARS);
    if (t === undefined) return undefined;
    out.push(nfc(t));
  }
  return [...new Set(out)].sort();
}

function metadata(v: unknown): { value: Record<string, unknown>; json: string } | undefined {
  if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype) return undefined;
  // A "__proto__" key (an own key after JSON.parse) is left to zod's own handling.
  if (Object.hasOwn(v, "__proto__") || !withinDepth(v, MAX_JSON_DEPTH)) return undefined;
  const json = JSON.stringify(v);
  // A UTF-16 unit is at most 3 bytes of UTF-8: short text needs no count.
  if (json.length * 3 > MAX_METADATA_BYTES && Buffer.byteLength(json, "utf8") > MAX_METADATA_BYTES) return undefined;
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record);
  // Keys already in NFC (nearly always): the object as it is, equal to eventSchema's copy.
  if (keys.every((k) => nfc(k) === k)) return { value: record, json };
  return { value: Object.fromEntries(keys.map((k) => [nfc(k), record[k]])), json };
}

const TIERS: readonly string[] = SERVICE_TIERS;

/** eventSchema.safeParse(item).data when the item is plainly valid; undefined when zod must look at it. */
export function parseEventFast(item: unknown, now = Date.now()): FastEvent | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return undefined;
  const i = item as Record<string, unknown>;
  const provider = identifier(i.provider, MAX_CHARS.provider);
  const model = identifier(i.model, MAX_CHARS.model);
  if (provider === undefined || model === undefined || !isCount(i.inputTokens) || !isCount(i.outputTokens)) return undefined;
  const e: ValidEvent = { provider, model, inputTokens: i.inputTokens, outputTokens: i.outputTokens };
  let metadataJson: string | undefined;
  if (i.id !== undefined) {
    const id = identifier(i.id, MAX_CHARS.id);
    if (id === undefined) return undefined;
    e.id = id;
  }
  if (i.timestamp !== undefined) {
    const ts = instant(i.timestamp, now);
    if (ts === undefined) return undefined;
    e.timestamp = ts;
  }
  if (i.feature !== undefined) {
    const feature = identifier(i.feature, MAX_CHARS.feature);
    if (feature === undefined) return undefined;
    e.feature = nfc(feature);
  }
  for (const k of ["cachedInputTokens", "cacheWriteTokens", "reasoningTokens"] as const) {
    const n = i[k];
    if (n === undefined) continue;
    if (!isCount(n)) return undefined;
    e[k] = n;
  }
  if (i.costUsd !== undefined) {
    const cost = costUsd(i.costUsd);
    if (cost === undefined) return undefined;
    e.costUsd = cost;
  }
  if (i.latencyMs !== undefined) {
    const ms = i.latencyMs;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS) return undefined;
    e.latencyMs = Math.round(ms);
  }
  if (i.status !== undefined) {
    if (i.status !== "success" && i.status !== "error") return undefined;
    e.status = i.status;
  }
  if (i.errorMessage !== undefined) {
    if (typeof i.errorMessage !== "string") return undefined;
    e.errorMessage = i.errorMessage.slice(0, MAX_ERROR_MESSAGE_CHARS);
  }
  if (i.prompt !== undefined) {
    if (typeof i.prompt !== "string") return undefined;
    e.prompt = i.prompt;
  }
  for (const k of ["userId", "sessionId"] as const) {
    if (i[k] === undefined) continue;
    const id = identifier(i[k], MAX_CHARS[k]);
    if (id === undefined) return undefined;
    e[k] = nfc(id);
  }
  if (i.tags !== undefined) {
    const list = tags(i.tags);
    if (list === undefined) return undefined;
    e.tags = list;
  }
  if (i.metadata !== undefined) {
    const m = metadata(i.metadata);
    if (m === undefined) return undefined;
    e.metadata = m.value;
    metadataJson = m.json;
  }
  if (i.serviceTier !== undefined) {
    if (typeof i.serviceTier !== "string" || !TIERS.includes(i.serviceTier)) return undefined;
    e.serviceTier = i.serviceTier as ServiceTier;
  }
  // eventSchema's cross-field rules.
  if ((e.cachedInputTokens ?? 0) + (e.cacheWriteTokens ?? 0) > e.inputTokens) return undefined;
  if ((e.reasoningTokens ?? 0) > e.outputTokens) return undefined;
  return { event: e, metadataJson };
}
