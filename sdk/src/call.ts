import { now } from "./ids.js";
import { mergeContext, type CallContext } from "./context.js";
import { boundPrompt } from "./prompt.js";
import type { TrackEvent, WrapOptions } from "./types.js";
import { consistent, isRec, type Adapter, type Rec, type StreamObserver, type Usage } from "./usage.js";

/** What a wrapped client needs from the profiler. */
export interface Recorder {
  track(event: TrackEvent): void;
  currentFeature(): string | undefined;
  currentContext(): CallContext;
  maxPromptChars(): number;
}

const MAX_ERROR_CHARS = 1000;

/**
 * One wrapped LLM call, from the moment `create()` is called until its usage is known (response
 * parsed, or stream read to the end). Records exactly one event, whatever path ends it.
 */
export class Call {
  private readonly t0 = now();
  private readonly startedAt = Date.now();
  private readonly feature: string | undefined;
  private readonly context: CallContext;
  private readonly prompt: string | undefined;
  private readonly model: string | undefined;
  private firstItemMs: number | undefined;
  private done = false;

  constructor(
    private readonly adapter: Adapter,
    private readonly recorder: Recorder,
    private readonly options: WrapOptions,
    readonly params: Rec,
  ) {
    // Captured at call time: the scope may be gone by the time a stream ends.
    this.feature = recorder.currentFeature() ?? options.feature;
    // The wrap options under the scope's values (user, session, tags, metadata), like the feature.
    this.context = mergeContext({ userId: options.userId, sessionId: options.sessionId, tags: options.tags, metadata: options.metadata }, recorder.currentContext());
    this.model = typeof params.model === "string" ? params.model : undefined;
    const max = recorder.maxPromptChars();
    this.prompt = max > 0 ? boundPrompt(adapter.prompt(params), max) : undefined;
  }

  get streaming(): boolean {
    return this.params.stream === true;
  }

  succeed(usage: Usage | null, extra: Rec = {}): void {
    if (this.done) return;
    this.done = true;
    const u = consistent(usage ?? { inputTokens: 0, outputTokens: 0 });
    const metadata: Rec = { ...this.context.metadata, ...extra };
    if (!usage) metadata.usageMissing = true;
    this.emit(u, metadata);
  }

  fail(err: unknown, usage: Usage | null = null, extra: Rec = {}): void {
    if (this.done) return;
    this.done = true;
    const message = err instanceof Error ? err.message : typeof err === "string" ? err : "unknown error";
    this.emit(consistent(usage ?? { inputTokens: 0, outputTokens: 0 }), { ...this.context.metadata, ...extra }, message.slice(0, MAX_ERROR_CHARS));
  }

  /** Observes a stream's items as the caller reads them; records when it ends, fails or is abandoned. */
  observeIterator(it: AsyncIterator<unknown>, observer: StreamObserver): AsyncIterableIterator<unknown> {
    const finish = (err: unknown, aborted: boolean) => {
      const extra: Rec = { streamed: true };
      if (this.firstItemMs !== undefined) extra.timeToFirstItemMs = this.firstItemMs;
      if (aborted) extra.streamAborted = true;
      const inBand = observer.error();
      if (err !== undefined) this.fail(err, observer.usage(), extra);
      else if (inBand !== undefined) this.fail(inBand, observer.usage(), extra);
      else this.succeed(observer.usage(), extra);
    };
    const wrapper: AsyncIterableIterator<unknown> = {
      next: async () => {
        // Loops only over items hidden from the caller (at most one per stream in practice).
        for (let guard = 0; guard < 1_000_000; guard++) {
          let r: IteratorResult<unknown>;
          try {
            r = await it.next();
          } catch (err) {
            finish(err, false);
            throw err;
          }
          if (r.done === true) {
            finish(undefined, false);
            return r;
          }
          this.firstItemMs ??= Math.round(now() - this.t0);
          let keep = true;
          try {
            keep = observer.onItem(r.value);
          } catch {
            // An unexpected item shape must never break the caller's stream.
          }
          if (keep) return r;
        }
        return { done: true, value: undefined };
      },
      return: async (value?: unknown) => {
        finish(undefined, true);
        return it.return ? it.return(value) : { done: true, value };
      },
      throw: async (err?: unknown) => {
        finish(err, false);
        if (it.throw) return it.throw(err);
        throw err;
      },
      [Symbol.asyncIterator]() {
        return wrapper;
      },
    };
    return wrapper;
  }

  private emit(u: Usage, metadata: Rec, errorMessage?: string): void {
    const event: TrackEvent = {
      provider: this.adapter.provider,
      model: u.model ?? this.model ?? "unknown",
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      timestamp: this.startedAt,
      latencyMs: Math.max(0, Math.round((now() - this.t0) * 1000) / 1000),
      status: errorMessage === undefined ? "success" : "error",
    };
    if (u.cachedInputTokens !== undefined) event.cachedInputTokens = u.cachedInputTokens;
    if (u.cacheWriteTokens !== undefined) event.cacheWriteTokens = u.cacheWriteTokens;
    if (u.reasoningTokens !== undefined) event.reasoningTokens = u.reasoningTokens;
    if (u.serviceTier !== undefined && u.serviceTier !== "standard") event.serviceTier = u.serviceTier;
    if (errorMessage !== undefined) event.errorMessage = errorMessage;
    if (this.feature !== undefined) event.feature = this.feature;
    if (this.prompt !== undefined) event.prompt = this.prompt;
    if (this.context.userId !== undefined) event.userId = this.context.userId;
    if (this.context.sessionId !== undefined) event.sessionId = this.context.sessionId;
    if (this.context.tags !== undefined && this.context.tags.length > 0) event.tags = this.context.tags;
    if (Object.keys(metadata).length > 0) event.metadata = metadata;
    this.recorder.track(event);
  }
}

export const paramsOf = (args: unknown[]): Rec => {
  const first = args[0];
  return isRec(first) ? first : {};
};
