// Exponential backoff with full jitter, bounded, honouring the server's Retry-After. Pure except
// for the clock and the random source, both injectable so tests run without waiting.

export type BackoffPolicy = { baseMs: number; maxMs: number; maxAttempts: number };

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000, maxAttempts: 6 };
// A Retry-After beyond this is treated as "give up for now": the worker's own backoff takes over.
export const MAX_RETRY_AFTER_MS = 120_000;

/** Delay before retry number `attempt` (1-based): uniform in [delay/2, delay], delay = base·2^(attempt−1). */
export function backoffMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Milliseconds from `retry-after-ms`, or `retry-after` as seconds or an HTTP date; null when absent or unusable. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  if (!headers) return null;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const ra = headers.get("retry-after");
  if (ra === null) return null;
  const v = ra.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** 408, 409 (OpenAI's "lock timeout"), 429 and 5xx are worth retrying; other 4xx are not. */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true; // no response at all: connection error or timeout
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
