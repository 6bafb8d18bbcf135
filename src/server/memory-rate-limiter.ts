import "server-only";

// The in-process limiter: the embedded default (no REDIS_URL) and the fallback while Redis is down.
// Same arithmetic as @upstash/ratelimit's Lua scripts, so a client sees the same limits and headers
// whichever one answered: sliding = two fixed windows, the previous one weighted by how much of it
// still overlaps the last hour; fixed = the current window only.

export type LimitResult = {
  success: boolean;
  limit: number;
  remaining: number;
  /** When the current window ends, epoch milliseconds. */
  reset: number;
};

type Bucket = { window: number; current: number; previous: number };

export type MemoryLimiterOptions = {
  windowMs: number;
  algorithm: "sliding" | "fixed";
  /** Identifiers are client-chosen (API keys): a cap keeps memory bounded under a key-spraying flood. */
  maxEntries?: number;
};

export class MemoryRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxEntries: number;

  constructor(private readonly options: MemoryLimiterOptions) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  limit(id: string, limit: number, now = Date.now()): LimitResult {
    const { windowMs, algorithm } = this.options;
    const window = Math.floor(now / windowMs);
    const reset = (window + 1) * windowMs;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      this.makeRoom(window);
      bucket = { window, current: 0, previous: 0 };
      this.buckets.set(id, bucket);
    } else if (bucket.window !== window) {
      bucket.previous = bucket.window === window - 1 ? bucket.current : 0;
      bucket.current = 0;
      bucket.window = window;
    }
    if (algorithm === "fixed") {
      // Like the fixed-window script: every request increments, success while within the limit.
      bucket.current += 1;
      const success = bucket.current <= limit;
      return { success, limit, remaining: Math.max(0, limit - bucket.current), reset };
    }
    const weighted = Math.floor((1 - (now % windowMs) / windowMs) * bucket.previous);
    // Like the sliding-window script: a refused request is not counted.
    if (weighted + bucket.current >= limit) return { success: false, limit, remaining: 0, reset };
    bucket.current += 1;
    return { success: true, limit, remaining: Math.max(0, limit - (bucket.current + weighted)), reset };
  }

  /**
   * Drops buckets no longer needed (older than the previous window); if still full, the least-used
   * ones. Not the oldest: a client spraying fresh identifiers (API keys are client-chosen) would
   * otherwise push out its own IP's counter, the one that had refused it. Forgetting only makes the
   * limiter more lenient for counts of a request or two, never refuses a client wrongly.
   */
  private makeRoom(window: number): void {
    if (this.buckets.size < this.maxEntries) return;
    for (const [id, b] of this.buckets) if (b.window < window - 1) this.buckets.delete(id);
    const excess = this.buckets.size - Math.floor(this.maxEntries * 0.9);
    if (excess <= 0) return;
    // Sorting is O(n log n) once per tenth of the capacity filled: amortised, a few steps a request.
    const byUse = [...this.buckets].sort(([, a], [, b]) => a.current + a.previous - (b.current + b.previous));
    for (const [id] of byUse.slice(0, excess)) this.buckets.delete(id);
  }
}
