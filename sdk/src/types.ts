import type { CallContext } from "./context.js";

/**
 * One LLM call, as the ingestion API takes it (`POST /api/v1/events`). Usage follows OpenTelemetry's
 * convention: `inputTokens` counts every prompt token, cache reads and writes included;
 * `outputTokens` includes reasoning tokens.
 */
export interface TrackEvent {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Client id, the idempotency key. Generated when absent, so a retried request never double-counts. */
  id?: string;
  /** Call time: ISO-8601 with a zone, epoch milliseconds or a Date. Defaults to the time of `track()`. */
  timestamp?: string | number | Date;
  /** Defaults to the `withFeature()` scope, then to the profiler's `defaultFeature`. */
  feature?: string;
  /** Cache reads, part of `inputTokens`. */
  cachedInputTokens?: number;
  /** Cache writes, part of `inputTokens`. */
  cacheWriteTokens?: number;
  /** Part of `outputTokens` (informational). */
  reasoningTokens?: number;
  /** How the provider processed the call (billed at that tier's price); absent = standard. */
  serviceTier?: "standard" | "batch" | "flex" | "priority";
  /** A cost the provider reported; otherwise the server prices the call from its catalog. */
  costUsd?: number | string;
  latencyMs?: number;
  status?: "success" | "error";
  errorMessage?: string;
  prompt?: string;
  userId?: string;
  sessionId?: string;
  /** Up to 20 tags of 1–64 characters (a repeated tag counts once). Added to the `withContext()` scope's tags. */
  tags?: string[];
  metadata?: Record<string, unknown>;
}

/** What the SDK reports through `onError`; it never throws from `track()`. */
export interface ProfilerError {
  /**
   * - `http`: the server refused a batch for good (4xx other than 429); the batch is dropped.
   * - `rejected`: the server stored a batch but rejected some events in it (HTTP 207).
   * - `gave_up`: retries exhausted (network errors, 5xx, 429); the batch is dropped.
   * - `dropped`: the buffer was full and the oldest events were dropped, or the event came after shutdown.
   * - `invalid`: `track()` got something that is not an event, or an event too large to send.
   * - `internal`: a bug in the SDK, caught so the application never sees it.
   * - `budget`: a budget guard could not read the budget status; the call was allowed.
   */
  kind: "http" | "rejected" | "gave_up" | "dropped" | "invalid" | "internal" | "budget";
  message: string;
  /** Events affected. */
  count: number;
  status?: number;
  /** The server's JSON answer, when there was one. */
  body?: unknown;
  cause?: unknown;
}

export interface ProfilerOptions {
  /** A project API key (`acp_…`), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Where the profiler runs, e.g. `https://profiler.example.com` (no trailing path). */
  baseUrl: string;
  /** Events per request, 1…1000 (the API's limit). Default 500. */
  batchSize?: number;
  /** How long an event may wait in the buffer before a flush. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Events held in memory at most; beyond it the oldest are dropped (see `droppedCount`). Default 10,000. */
  maxBufferSize?: number;
  /** Retries per batch on network errors, 5xx and 429. Default 8. */
  maxRetries?: number;
  /** First backoff step; each retry waits a random time up to base × 2^attempt (full jitter). Default 250 ms. */
  retryBaseDelayMs?: number;
  /** Longest single wait between retries, also the cap on a server's `Retry-After`. Default 30,000 ms. */
  maxRetryDelayMs?: number;
  /** Per-request timeout. Default 15,000 ms. */
  requestTimeoutMs?: number;
  /** Prompts kept per event at most (characters); longer ones are cut. 0 = send no prompts. Default 8,192. */
  maxPromptChars?: number;
  /** Feature for events with no feature and no `withFeature()` scope. */
  defaultFeature?: string;
  /** Flush when the Node/Bun process is about to exit (`beforeExit`). Default true. */
  flushOnExit?: boolean;
  /** Told about delivery problems and dropped events. Defaults to one `console.warn` line each. */
  onError?: (error: ProfilerError) => void;
  /** A custom fetch (tests, proxies). Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

export interface WrapOptions {
  /** Feature for every call of this client, unless a `withFeature()` scope says otherwise. */
  feature?: string;
  userId?: string;
  sessionId?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

export interface ProfilerStats {
  /** Events accepted by `track()` so far. */
  tracked: number;
  /** Events the server acknowledged (stored, or already stored: duplicates). */
  delivered: number;
  /** Events dropped because the buffer was full (oldest first) or tracked after shutdown. */
  dropped: number;
  /** Events lost to refused batches or exhausted retries, or rejected by the server. */
  failed: number;
  /** Events waiting in the buffer or in flight. */
  pending: number;
  /** HTTP requests made, retries included. */
  requests: number;
  retries: number;
}

export interface Profiler {
  /** Buffers one event; never throws, never waits on the network. */
  track(event: TrackEvent): void;
  /** Sends everything tracked so far; resolves when it was delivered or given up on (never rejects). */
  flush(): Promise<void>;
  /** Flushes, then stops the timers; later `track()` calls are dropped. */
  shutdown(): Promise<void>;
  /** Runs `fn` with `feature` as the default feature of every event tracked inside it (async context). */
  withFeature<T>(feature: string, fn: () => T): T;
  /**
   * Runs `fn` with an end user, session, tags and metadata (and optionally a feature) applied to
   * every event tracked inside it, across awaits. Scopes nest: inner values win, tags add up,
   * metadata merges; an event's own values win over the scope's.
   */
  withContext<T>(context: CallContext, fn: () => T): T;
  /** The values of the current `withContext()` / `withFeature()` scope. */
  currentContext(): CallContext;
  /** The feature of the current `withFeature()` scope, if any. */
  currentFeature(): string | undefined;
  /** Proxy of an `openai` client recording `chat.completions.create` and `responses.create`. */
  wrapOpenAI<C extends object>(client: C, options?: WrapOptions): C;
  /** Proxy of an `@anthropic-ai/sdk` client recording `messages.create` (and `beta.messages.create`). */
  wrapAnthropic<C extends object>(client: C, options?: WrapOptions): C;
  /** Events dropped because the buffer was full (drop-oldest) or tracked after shutdown. */
  readonly droppedCount: number;
  stats(): ProfilerStats;
}
