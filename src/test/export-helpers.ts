// Shared by the export integration tests (never imported by the app): an independent statement
// of the expected cells, exact money sums and HTTP helpers.
import { parse } from "csv-parse/sync";
import { testDb } from "~/test/integration";

/** The spec's rule, restated independently of src/features/export/csv.ts. */
export function expectedTextCell(v: string | null): string {
  if (v === null || v === "") return "";
  return /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(v) ? `'${v}` : v;
}

/** An exact decimal as integer picodollars (no float anywhere). */
export function picos(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,12}))?$/.exec(s);
  if (!m) throw new Error(`not a decimal: ${s}`);
  const v = BigInt(m[2] ?? "0") * 10n ** 12n + BigInt((m[3] ?? "").padEnd(12, "0"));
  return m[1] === "-" ? -v : v;
}

export const sumPicos = (values: (string | null | undefined)[]) => values.reduce((s, v) => (v ? s + picos(v) : s), 0n);

export function parseCsv(text: string): Record<string, string>[] {
  return parse<Record<string, string>>(text, { columns: true });
}

export function parseNdjson(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export type DbEvent = {
  event_id: string; ts: string; provider: string; model: string; feature: string; user_id: string | null; session_id: string | null;
  input_tokens: number; output_tokens: number; cached_input_tokens: number; cache_write_tokens: number; reasoning_tokens: number;
  cost: string | null; cost_source: string; latency_ms: number | null; status: string; error_message: string | null;
  prompt_id: string | null; prompt: string | null; metadata: unknown; tags: string[] | null;
};

/** The project's events straight from the tables, in the export's order (newest first). */
export async function dbEvents(projectId: string): Promise<DbEvent[]> {
  return testDb().sql<DbEvent[]>`
    SELECT e.event_id, to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, e.provider, e.model, e.feature,
      e.user_id, e.session_id, e.input_tokens, e.output_tokens, e.cached_input_tokens, e.cache_write_tokens, e.reasoning_tokens,
      e.cost_usd::text AS cost, e.cost_source, e.latency_ms, e.status, e.error_message, p.id::text AS prompt_id, p.text AS prompt,
      e.metadata, e.tags
    FROM cost_events e LEFT JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
    WHERE e.project_id = ${projectId}
    ORDER BY e.ts DESC, e.id DESC`;
}

/** What the JSON/NDJSON export must hold for a row: exact values, no neutralisation. */
export function expectedJsonEvent(r: DbEvent): Record<string, unknown> {
  return {
    eventId: r.event_id, timestamp: r.ts, provider: r.provider, model: r.model, feature: r.feature === "" ? null : r.feature,
    userId: r.user_id, sessionId: r.session_id, inputTokens: r.input_tokens, outputTokens: r.output_tokens,
    cachedInputTokens: r.cached_input_tokens, cacheWriteTokens: r.cache_write_tokens, reasoningTokens: r.reasoning_tokens,
    costUsd: r.cost, costSource: r.cost_source, latencyMs: r.latency_ms, status: r.status, errorMessage: r.error_message,
    promptId: r.prompt_id, prompt: r.prompt, metadata: r.metadata, tags: r.tags,
  };
}

/** What the CSV export must hold for a row (metadata and tags compared parsed, separately). */
export function expectedCsvEvent(r: DbEvent): Record<string, string> {
  const n = (v: number | null) => (v === null ? "" : String(v));
  return {
    eventId: expectedTextCell(r.event_id), timestamp: r.ts, provider: expectedTextCell(r.provider), model: expectedTextCell(r.model),
    feature: expectedTextCell(r.feature), userId: expectedTextCell(r.user_id), sessionId: expectedTextCell(r.session_id),
    inputTokens: n(r.input_tokens), outputTokens: n(r.output_tokens), cachedInputTokens: n(r.cached_input_tokens),
    cacheWriteTokens: n(r.cache_write_tokens), reasoningTokens: n(r.reasoning_tokens), costUsd: r.cost ?? "",
    costSource: r.cost_source, latencyMs: n(r.latency_ms), status: r.status, errorMessage: expectedTextCell(r.error_message),
    promptId: r.prompt_id ?? "", prompt: expectedTextCell(r.prompt),
  };
}

export function exportFetch(baseUrl: string, path: string, key: string | null, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  return fetch(`${baseUrl}${path}`, { ...init, headers });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Backends still serving this project's exports (the export sets its application_name). */
export async function exportBackends(projectId: string): Promise<{ pid: number; state: string | null; wait_event_type: string | null }[]> {
  return testDb().sql<{ pid: number; state: string | null; wait_event_type: string | null }[]>`
    SELECT pid, state, wait_event_type FROM pg_stat_activity
    WHERE application_name = ${`ai-cost-profiler/export ${projectId}`}`;
}

/** Polls until no backend serves this project's export; returns the milliseconds it took (or -1). */
export async function waitNoExportBackend(projectId: string, timeoutMs = 5_000): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < 500 && performance.now() - start < timeoutMs; i++) {
    if ((await exportBackends(projectId)).length === 0) return performance.now() - start;
    await sleep(20);
  }
  return -1;
}
