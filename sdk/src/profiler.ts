import { wrapAnthropicClient } from "./anthropic.js";
import { ContextScope, mergeContext, type CallContext } from "./context.js";
import { randomId } from "./ids.js";
import { wrapOpenAIClient } from "./openai.js";
import { positiveInt, utf8Length } from "./options.js";
import { BoundedQueue } from "./queue.js";
import { sendBatch, type TransportConfig } from "./transport.js";
import type { Profiler, ProfilerError, ProfilerOptions, ProfilerStats, TrackEvent, WrapOptions } from "./types.js";
import type { Recorder } from "./call.js";

// Limits of the ingestion API: 1000 events and 5 MiB per request. The byte budget keeps a margin
// for the envelope so a full batch never meets a 413.
const MAX_BATCH = 1000;
const MAX_BODY_BYTES = 5 * 1024 * 1024 - 4096;

type Timer = ReturnType<typeof setTimeout>;
const unref = (t: Timer) => (t as { unref?: () => void }).unref?.();

const warn = (e: ProfilerError) => console.warn(`[ai-cost-profiler] ${e.kind}: ${e.message}`);

class ProfilerImpl implements Profiler {
  private readonly queue: BoundedQueue<TrackEvent>;
  private readonly scope = new ContextScope();
  private readonly transport: TransportConfig;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxPromptChars: number;
  private readonly defaultFeature: string | undefined;
  private readonly onError: (e: ProfilerError) => void;
  private readonly counters = { tracked: 0, delivered: 0, dropped: 0, failed: 0, requests: 0, retries: 0, settled: 0 };
  private dropsToReport = 0;
  private running: Promise<void> | null = null;
  private timer: Timer | null = null;
  private kickScheduled = false;
  private closed = false;
  private readonly exitHook: (() => void) | null = null;

  constructor(o: ProfilerOptions) {
    if (typeof o.apiKey !== "string" || o.apiKey.trim() === "") throw new TypeError("createProfiler: apiKey is required");
    if (typeof o.baseUrl !== "string" || !/^https?:\/\//.test(o.baseUrl)) throw new TypeError("createProfiler: baseUrl must be an http(s) URL");
    const fetchImpl = o.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") throw new TypeError("createProfiler: no global fetch; pass options.fetch");
    this.batchSize = Math.max(1, positiveInt("batchSize", o.batchSize, 500, MAX_BATCH));
    this.flushIntervalMs = positiveInt("flushIntervalMs", o.flushIntervalMs, 1000);
    this.maxPromptChars = positiveInt("maxPromptChars", o.maxPromptChars, 8192);
    this.defaultFeature = o.defaultFeature;
    this.queue = new BoundedQueue(Math.max(1, positiveInt("maxBufferSize", o.maxBufferSize, 10_000)));
    const userOnError = o.onError ?? warn;
    this.onError = (e) => {
      try {
        userOnError(e);
      } catch {
        // A throwing onError must not break delivery.
      }
    };
    this.transport = {
      url: `${o.baseUrl.replace(/\/+$/, "")}/api/v1/events`,
      apiKey: o.apiKey,
      fetch: fetchImpl,
      maxRetries: positiveInt("maxRetries", o.maxRetries, 8, 100),
      baseDelayMs: positiveInt("retryBaseDelayMs", o.retryBaseDelayMs, 250),
      maxDelayMs: positiveInt("maxRetryDelayMs", o.maxRetryDelayMs, 30_000),
      timeoutMs: Math.max(1, positiveInt("requestTimeoutMs", o.requestTimeoutMs, 15_000)),
      report: this.onError,
    };
    const proc = (globalThis as { process?: { on?: unknown; off?: unknown } }).process;
    if ((o.flushOnExit ?? true) && typeof proc?.on === "function" && typeof proc.off === "function") {
      // Node/Bun: when the event loop empties, send what is left (the flush keeps it alive until done).
      const hook = () => {
        if (this.queue.length > 0) void this.flush();
      };
      (proc.on as (ev: string, fn: () => void) => void).call(proc, "beforeExit", hook);
      this.exitHook = () => (proc.off as (ev: string, fn: () => void) => void).call(proc, "beforeExit", hook);
    }
  }

  get droppedCount(): number {
    return this.counters.dropped;
  }

  stats(): ProfilerStats {
    const { tracked, delivered, dropped, failed, requests, retries, settled } = this.counters;
    return { tracked, delivered, dropped, failed, requests, retries, pending: tracked - settled };
  }

  currentFeature(): string | undefined {
    return this.scope.current()?.feature;
  }

  currentContext(): CallContext {
    return { ...this.scope.current() };
  }

  withFeature<T>(feature: string, fn: () => T): T {
    return this.scope.run({ feature }, fn);
  }

  withContext<T>(context: CallContext, fn: () => T): T {
    return this.scope.run(context, fn);
  }

  track(event: TrackEvent): void {
    try {
      if (this.closed) {
        this.counters.dropped += 1;
        this.onError({ kind: "dropped", message: "track() after shutdown(); event dropped", count: 1 });
        return;
      }
      if (typeof event !== "object" || event === null) {
        this.onError({ kind: "invalid", message: "track() needs an event object", count: 1 });
        return;
      }
      const e: TrackEvent = { ...event };
      e.id ??= randomId();
      e.timestamp ??= Date.now();
      const ctx = this.scope.current();
      const feature = e.feature ?? ctx?.feature ?? this.defaultFeature;
      if (feature !== undefined) e.feature = feature;
      if (ctx) {
        // The event's own values win; tags add up; metadata merges key by key.
        const merged = mergeContext(ctx, { userId: e.userId, sessionId: e.sessionId, tags: e.tags, metadata: e.metadata });
        if (merged.userId !== undefined) e.userId = merged.userId;
        if (merged.sessionId !== undefined) e.sessionId = merged.sessionId;
        if (merged.tags !== undefined && merged.tags.length > 0) e.tags = merged.tags;
        if (merged.metadata !== undefined && Object.keys(merged.metadata).length > 0) e.metadata = merged.metadata;
      }
      if (typeof e.prompt === "string" && e.prompt.length > this.maxPromptChars) {
        if (this.maxPromptChars === 0) delete e.prompt;
        else e.prompt = e.prompt.slice(0, this.maxPromptChars);
      }
      this.counters.tracked += 1;
      const dropped = this.queue.push(e);
      if (dropped > 0) {
        this.counters.dropped += dropped;
        this.counters.settled += dropped;
        this.dropsToReport += dropped;
      }
      if (this.queue.length >= this.batchSize) this.kickSoon();
      else if (this.timer === null && !this.running) this.armTimer();
    } catch (err) {
      this.onError({ kind: "internal", message: `track() failed: ${String(err)}`, count: 1, cause: err });
    }
  }

  /** Wrapped clients record through this. */
  private readonly recorder: Recorder = {
    track: (e) => this.track(e),
    currentFeature: () => this.scope.current()?.feature,
    currentContext: () => this.currentContext(),
    maxPromptChars: () => this.maxPromptChars,
  };

  wrapOpenAI<C extends object>(client: C, options: WrapOptions = {}): C {
    return wrapOpenAIClient(client, this.recorder, options);
  }

  wrapAnthropic<C extends object>(client: C, options: WrapOptions = {}): C {
    return wrapAnthropicClient(client, this.recorder, options);
  }

  async flush(): Promise<void> {
    const target = this.counters.tracked;
    // Each round drains the queue; the bound only guards against a bug turning this into a spin.
    for (let round = 0; round < 10_000 && this.counters.settled < target; round++) {
      this.start();
      await this.running;
    }
    this.reportDrops();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    this.exitHook?.();
    await this.flush();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, this.flushIntervalMs);
    unref(this.timer);
  }

  // A full batch is sent from a fresh task, not from inside the caller's track().
  private kickSoon(): void {
    if (this.kickScheduled || this.running) return;
    this.kickScheduled = true;
    setTimeout(() => {
      this.kickScheduled = false;
      this.start();
    }, 0);
  }

  private start(): void {
    if (this.running) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pump().finally(() => {
      this.running = null;
      if (this.queue.length > 0 && !this.closed) this.armTimer();
    });
  }

  private reportDrops(): void {
    if (this.dropsToReport === 0) return;
    const n = this.dropsToReport;
    this.dropsToReport = 0;
    this.onError({ kind: "dropped", message: `buffer full: dropped the ${n} oldest events (raise maxBufferSize?)`, count: n });
  }

  private async pump(): Promise<void> {
    // Bounded: each round takes at least one event out of a queue of bounded size.
    for (let round = 0; round < 1_000_000 && this.queue.length > 0; round++) {
      this.reportDrops();
      const events = this.queue.take(this.batchSize);
      const settledBefore = this.counters.settled;
      try {
        await this.sendEvents(events);
      } catch (err) {
        // Unreachable by design (sendBatch never throws); if it happens, account for the batch so
        // flush() cannot wait for it forever, and say so.
        const lost = events.length - (this.counters.settled - settledBefore);
        this.settle(0, Math.max(0, lost));
        this.onError({ kind: "internal", message: `delivery failed: ${String(err)}`, count: lost, cause: err });
      }
    }
  }

  private async sendEvents(events: TrackEvent[]): Promise<void> {
    let parts: string[] = [];
    let bytes = 0;
    for (const e of events) {
      let json: string;
      try {
        json = JSON.stringify(e);
      } catch (err) {
        this.settle(0, 1);
        this.onError({ kind: "invalid", message: `event is not serializable: ${String(err)}`, count: 1, cause: err });
        continue;
      }
      const size = utf8Length(json) + 1;
      if (size > MAX_BODY_BYTES) {
        this.settle(0, 1);
        this.onError({ kind: "invalid", message: `event ${e.id ?? ""} is ${size} bytes, over the 5 MiB request limit`, count: 1 });
        continue;
      }
      if (bytes + size > MAX_BODY_BYTES && parts.length > 0) {
        await this.deliver(parts, 0);
        parts = [];
        bytes = 0;
      }
      parts.push(json);
      bytes += size;
    }
    if (parts.length > 0) await this.deliver(parts, 0);
  }
  private async deliver(parts: string[], depth: number): Promise<void> {
    const out = await sendBatch(this.transport, `{"events":[${parts.join(",")}]}`, parts.length);
    this.counters.requests += out.requests;
    this.counters.retries += out.retries;
    if (out.tooLarge && depth < 12) {
      const mid = Math.ceil(parts.length / 2);
      await this.deliver(parts.slice(0, mid), depth + 1);
      await this.deliver(parts.slice(mid), depth + 1);
      return;
    }
    if (out.tooLarge) {
      this.settle(0, parts.length);
      this.onError({ kind: "http", message: `HTTP 413 even for ${parts.length} events; dropped`, count: parts.length, status: 413 });
      return;
    }
    this.settle(out.delivered, out.failed);
  }

  private settle(delivered: number, failed: number): void {
    this.counters.delivered += delivered;
    this.counters.failed += failed;
    this.counters.settled += delivered + failed;
  }
}

/** The one-line set-up: `const profiler = createProfiler({ apiKey, baseUrl })`. */
export function createProfiler(options: ProfilerOptions): Profiler {
  return new ProfilerImpl(options);
}
