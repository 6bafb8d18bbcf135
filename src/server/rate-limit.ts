import "server-only";
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis as UpstashRedis } from "@upstash/redis";
import type { Redis as IORedis } from "ioredis";
import { MemoryRateLimiter, type LimitResult } from "./memory-rate-limiter";
import type { Subject } from "./rate-limit-rules";
import { upstashOverIoredis } from "./upstash-ioredis";

// The limiter: Redis through @upstash/ratelimit (one global count across app instances), the
// in-process limiter when there is no Redis, and a circuit breaker between them. No request waits
// more than `timeoutMs` for Redis and no limiter failure ever fails a request: it is counted in
// process instead, with the same arithmetic and headers.

export type Decision = LimitResult & { source: "redis" | "memory" };

export type RateLimiterOptions = {
  redis: IORedis | null;
  /** Redis key prefix, e.g. `acp:rl` → `acp:rl:ingest:ip:203.0.113.7:<window>`. */
  prefix: string;
  algorithm: "sliding" | "fixed";
  windowMs: number;
  /** Budget for one decision in Redis (both counters, in parallel). */
  timeoutMs: number;
  /** Called once when the limiter falls back to process memory and once when Redis is back. */
  onStateChange: (state: "fallback" | "redis", detail: Record<string, unknown>) => void;
  /** While falling back, how often to check whether Redis answers again. */
  probeIntervalMs?: number;
};

class RedisTimeout extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
  }
}

/**
 * `work`, or a RedisTimeout after `ms`. When the timer fires, the rejection waits for one
 * setImmediate: timers run before the poll phase of the same loop turn, so on a busy or starved
 * process an answer already sitting in the socket would otherwise lose to a timer that was due
 * long ago, and our own lateness would count as Redis being slow.
 */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  // A late answer or error must not surface as an unhandled rejection after we gave up on it.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => setImmediate(() => reject(new RedisTimeout(ms))), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** The decision that defines the response: any refusal beats a pass, then the fewest remaining. */
export function mostRestrictive(results: readonly LimitResult[]): LimitResult {
  let worst: LimitResult | undefined;
  for (const r of results) {
    if (worst === undefined) worst = r;
    else if (worst.success !== r.success) worst = r.success ? worst : r;
    else if (!r.success ? r.reset > worst.reset : r.remaining < worst.remaining) worst = r;
  }
  if (worst === undefined) throw new Error("no rate-limit result to combine");
  return worst;
}

// A single slow answer can be our own event loop stalling (a large JSON body, GC), not Redis:
// that request is counted in process, but only this many timeouts in a row mean an outage.
const TIMEOUTS_BEFORE_FALLBACK = 3;
// The probe's own counter never refuses: only whether Redis runs the script matters.
const PROBE_LIMIT = 1_000_000_000;

export class RateLimiter {
  private readonly memory: MemoryRateLimiter;
  private readonly adapter: UpstashRedis | null;
  private readonly byLimit = new Map<number, Ratelimit>();
  private mode: "redis" | "fallback" = "redis";
  private timeoutsInARow = 0;
  private lastProbe = 0;
  private probing = false;
  /**
   * What the limiter did, for health checks and tests: decisions that waited on Redis, and how
   * many of those gave up at the deadline. A decision answered in process never waits.
   */
  readonly counters = { redisAttempts: 0, timeouts: 0, probes: 0 };

  constructor(private readonly options: RateLimiterOptions) {
    this.memory = new MemoryRateLimiter({ windowMs: options.windowMs, algorithm: options.algorithm });
    this.adapter = options.redis ? upstashOverIoredis(options.redis) : null;
  }

  /** "redis" while Redis decides, "fallback" during an outage, "memory" without Redis at all. */
  get state(): "redis" | "fallback" | "memory" {
    return this.options.redis ? this.mode : "memory";
  }

  async limit(subjects: readonly Subject[]): Promise<Decision> {
    const redis = this.options.redis;
    if (!redis) return this.fromMemory(subjects);
    if (this.mode === "fallback") {
      this.probe(redis);
      return this.fromMemory(subjects);
    }
    // With the offline queue disabled a command would fail at once anyway; this skips the attempt.
    if (redis.status !== "ready") {
      this.fallBack({ reason: `connection ${redis.status}` });
      return this.fromMemory(subjects);
    }
    this.counters.redisAttempts++;
    try {
      const calls = subjects.map((s) => this.redisLimiter(s.limit).limit(s.id));
      const results = await withTimeout(Promise.all(calls), this.options.timeoutMs);
      this.timeoutsInARow = 0;
      return { ...mostRestrictive(results.map(({ success, limit, remaining, reset }) => ({ success, limit, remaining, reset }))), source: "redis" };
    } catch (err) {
      const timedOut = err instanceof RedisTimeout;
      if (timedOut) this.counters.timeouts++;
      if (!timedOut || ++this.timeoutsInARow >= TIMEOUTS_BEFORE_FALLBACK) {
        this.fallBack({ reason: err instanceof Error ? err.message : String(err) });
      }
      return this.fromMemory(subjects);
    }
  }

  private fromMemory(subjects: readonly Subject[]): Decision {
    const now = Date.now();
    return { ...mostRestrictive(subjects.map((s) => this.memory.limit(s.id, s.limit, now))), source: "memory" };
  }

  private redisLimiter(limit: number): Ratelimit {
    let limiter = this.byLimit.get(limit);
    if (limiter === undefined && this.adapter !== null) {
      const window = `${this.options.windowMs} ms` as const;
      limiter = new Ratelimit({
        redis: this.adapter,
        limiter: this.options.algorithm === "sliding" ? Ratelimit.slidingWindow(limit, window) : Ratelimit.fixedWindow(limit, window),
        prefix: this.options.prefix,
        // Every decision comes from Redis. The default ephemeral cache keeps refusing a client in
        // this process until the fixed window ends (up to an hour) although the sliding window
        // readmits it sooner, and other instances would not agree with it.
        ephemeralCache: false,
        // The library's own timeout *allows* the request (success: true, limit 0) and counts
        // nothing; our deadline in limit() counts it in process instead.
        timeout: 0,
        analytics: false,
        enableProtection: false,
        enableTelemetry: false,
      });
      this.byLimit.set(limit, limiter);
    }
    if (limiter === undefined) throw new Error("no Redis limiter without Redis");
    return limiter;
  }

  private fallBack(detail: Record<string, unknown>): void {
    this.timeoutsInARow = 0;
    if (this.mode === "fallback") return;
    this.mode = "fallback";
    this.lastProbe = Date.now();
    this.options.onStateChange("fallback", detail);
  }

  /**
   * At most one probe in flight and one per interval; requests never wait for it. The probe is a
   * real limiter call (on its own counter), not a PING: a Redis that answers PING but fails the
   * scripts (read-only replica, out of memory) must not flap between the two modes.
   */
  private probe(redis: IORedis): void {
    const now = Date.now();
    if (this.probing || now - this.lastProbe < (this.options.probeIntervalMs ?? 1000)) return;
    if (redis.status !== "ready") {
      this.lastProbe = now; // ioredis is still reconnecting on its own schedule
      return;
    }
    this.probing = true;
    this.lastProbe = now;
    this.counters.probes++;
    const started = performance.now();
    withTimeout(this.redisLimiter(PROBE_LIMIT).limit("probe"), this.options.timeoutMs)
      .then(() => {
        if (this.mode !== "fallback") return;
        this.mode = "redis";
        this.options.onStateChange("redis", { probeMs: Math.round((performance.now() - started) * 10) / 10 });
      })
      .catch(() => undefined)
      .finally(() => {
        this.probing = false;
      });
  }
}

/** X-RateLimit-* on every limited response; Reset is epoch seconds, like GitHub's API. */
export function rateLimitHeaders(d: LimitResult): Record<string, string> {
  return {
    "x-ratelimit-limit": String(d.limit),
    "x-ratelimit-remaining": String(d.remaining),
    "x-ratelimit-reset": String(Math.ceil(d.reset / 1000)),
  };
}

/** Whole seconds until the window ends, at least 1 (a client must never be told to retry at once). */
export function retryAfterSeconds(d: LimitResult, now = Date.now()): number {
  return Math.max(1, Math.ceil((d.reset - now) / 1000));
}
