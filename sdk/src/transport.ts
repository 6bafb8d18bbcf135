import type { ProfilerError } from "./types.js";

export interface TransportConfig {
  url: string;
  apiKey: string;
  fetch: typeof fetch;
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  report: (error: ProfilerError) => void;
  /** Injected in tests to make backoff instant and deterministic. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface SendOutcome {
  delivered: number;
  failed: number;
  requests: number;
  retries: number;
  /** 413: the caller should split the batch and try the halves. */
  tooLarge?: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `Retry-After` as seconds or an HTTP date, in milliseconds (null when absent or unreadable). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Full jitter (AWS architecture blog): a uniform wait in [0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`request timed out after ${ms} ms`)), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 500);
  }
}

function field(body: unknown, key: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

/**
 * POSTs one batch (`{"events": [...]}` already serialized) and retries what is worth retrying:
 * network errors, timeouts, 5xx and 429 (honouring `Retry-After`). Every event carries its own id,
 * so a retry after a lost answer is counted by the server as a duplicate, never twice. Never throws.
 */
export async function sendBatch(cfg: TransportConfig, body: string, count: number): Promise<SendOutcome> {
  const sleep = cfg.sleep ?? defaultSleep;
  const random = cfg.random ?? Math.random;
  const outcome: SendOutcome = { delivered: 0, failed: 0, requests: 0, retries: 0 };
  let lastProblem = "";
  for (let attempt = 0; attempt <= cfg.maxRetries; attempt++) {
    if (attempt > 0) outcome.retries += 1;
    outcome.requests += 1;
    let retryAfterMs: number | null = null;
    const timeout = timeoutSignal(cfg.timeoutMs);
    try {
      const res = await cfg.fetch(cfg.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${cfg.apiKey}` },
        body,
        signal: timeout.signal,
      });
      const text = await res.text();
      if (res.status === 200 || res.status === 207) {
        const json = readJson(text);
        const rejected = field(json, "rejected");
        const failed = Array.isArray(rejected) ? rejected.length : 0;
        outcome.delivered += count - failed;
        outcome.failed += failed;
        if (failed > 0) {
          cfg.report({ kind: "rejected", message: `the server rejected ${failed} of ${count} events`, count: failed, status: res.status, body: json });
        }
        return outcome;
      }
      if (res.status === 413 && count > 1) return { ...outcome, tooLarge: true };
      if (res.status === 429 || res.status >= 500) {
        retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
        lastProblem = `HTTP ${res.status}`;
      } else {
        // 4xx: retrying the same request cannot help (bad key, invalid events, too large).
        const json = readJson(text);
        const message = field(json, "message");
        outcome.failed += count;
        cfg.report({
          kind: "http",
          message: `HTTP ${res.status}${typeof message === "string" ? `: ${message}` : ""}; ${count} events dropped`,
          count,
          status: res.status,
          body: json,
        });
        return outcome;
      }
    } catch (err) {
      lastProblem = err instanceof Error ? err.message : String(err);
    } finally {
      timeout.clear();
    }
    if (attempt < cfg.maxRetries) {
      const jitter = backoffDelay(attempt, cfg.baseDelayMs, cfg.maxDelayMs, random);
      // Retry-After is a floor (the server said when); a little jitter on top spreads the clients.
      const wait = retryAfterMs === null ? jitter : Math.min(cfg.maxDelayMs, retryAfterMs) + Math.floor(random() * cfg.baseDelayMs);
      await sleep(wait);
    }
  }
  outcome.failed += count;
  cfg.report({ kind: "gave_up", message: `gave up after ${cfg.maxRetries + 1} attempts (${lastProblem}); ${count} events dropped`, count });
  return outcome;
}
