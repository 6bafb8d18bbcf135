// Shared shapes for the provider adapters: usage in the ingestion API's convention (input counts
// cache reads and writes, output counts reasoning) and what an adapter must tell the wrapper.

export type Rec = Record<string, unknown>;
export const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** A token count from an untrusted shape: a non-negative integer, or 0. */
export function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

export const rec = (v: unknown): Rec => (isRec(v) ? v : {});

export interface Usage {
  model?: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** How the provider processed the call; absent = standard. */
  serviceTier?: ServiceTier;
}

export type ServiceTier = "standard" | "batch" | "flex" | "priority";

/**
 * A provider's tier name → the API's: OpenAI answers "default" | "auto" | "scale" | "flex" |
 * "priority", Anthropic's usage says "standard" | "priority" | "batch". Unknown → undefined.
 */
export function serviceTierOf(v: unknown): ServiceTier | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim().toLowerCase();
  if (t === "batch" || t === "flex" || t === "priority") return t;
  return undefined;
}

/** Makes the parts fit their totals (the API rejects cache reads + writes > input, reasoning > output). */
export function consistent(u: Usage): Usage {
  const out: Usage = { ...u };
  const cached = u.cachedInputTokens ?? 0;
  const writes = u.cacheWriteTokens ?? 0;
  if (cached + writes > out.inputTokens) out.inputTokens = cached + writes;
  if ((u.reasoningTokens ?? 0) > out.outputTokens) out.outputTokens = u.reasoningTokens ?? 0;
  if (!cached) delete out.cachedInputTokens;
  if (!writes) delete out.cacheWriteTokens;
  if (!u.reasoningTokens) delete out.reasoningTokens;
  if (u.serviceTier === undefined) delete out.serviceTier;
  return out;
}

export interface StreamObserver {
  /** Sees every streamed item; returns false to hide it from the caller (an item the wrapper asked for). */
  onItem(item: unknown): boolean;
  usage(): Usage | null;
  /** An error the stream reported in-band (e.g. `response.failed`), if any. */
  error(): string | undefined;
}

export interface Adapter {
  provider: string;
  /** Params to send instead of the caller's (e.g. to ask for usage in a stream), or undefined. */
  prepare?(params: Rec): Rec | undefined;
  prompt(params: Rec): string;
  usage(result: unknown): Usage | null;
  stream(params: Rec): StreamObserver;
}
