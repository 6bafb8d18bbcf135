// Measurements for `npm run bench:export`: an export over HTTP with the server's memory sampled,
// the same COPY statement without the app (postgres.js in this process, and psql to /dev/null),
// the cursor + csv-stringify path in-process, and growing the data set with SQL copies.
import { spawn } from "node:child_process";
import http from "node:http";
import { openExport } from "~/features/export/server";
import type { ExportRequest } from "~/features/export";
import type { DbClient } from "~/server/db";
import { descendants, memoryMiB } from "./proc";

export type Measured = { rows: number; bytes: number; seconds: number };
export type HttpMeasured = Measured & { status: number; lines: number; rssBefore: number; rssPeak: number; hwmBefore: number; hwmAfter: number };

function countNewlines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** VmRSS and VmHWM summed over the server and its children (MiB). */
function treeMemory(pid: number): { rss: number; hwm: number } {
  let rss = 0;
  let hwm = 0;
  for (const p of [pid, ...descendants(pid)]) {
    const m = memoryMiB(p);
    if (m) {
      rss += m.current;
      hwm += m.peak;
    }
  }
  return { rss, hwm };
}

/** GET the export with a plain HTTP client (no Accept-Encoding), counting bytes and lines; samples the server's RSS every 50 ms. */
export async function httpExport(baseUrl: string, key: string, path: string, serverPid: number, signal: AbortSignal): Promise<HttpMeasured> {
  const before = treeMemory(serverPid);
  let rssPeak = before.rss;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, treeMemory(serverPid).rss);
  }, 50);
  const started = performance.now();
  try {
    const result = await new Promise<{ status: number; bytes: number; lines: number }>((resolve, reject) => {
      const req = http.get(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` }, signal }, (res) => {
        let bytes = 0;
        let lines = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          lines += countNewlines(chunk);
        });
        res.once("end", () => resolve({ status: res.statusCode ?? 0, bytes, lines }));
        res.once("error", reject);
      });
      req.once("error", reject);
    });
    const seconds = (performance.now() - started) / 1000;
    rssPeak = Math.max(rssPeak, treeMemory(serverPid).rss);
    return { ...result, rows: 0, seconds, rssBefore: before.rss, rssPeak, hwmBefore: before.hwm, hwmAfter: treeMemory(serverPid).hwm };
  } finally {
    clearInterval(sampler);
  }
}

/** The app's COPY statement through postgres.js in this process, inside the same kind of snapshot, bytes counted and dropped. */
export async function copyInProcess(client: DbClient, statement: string): Promise<Measured> {
  const reserved = await client.sql.reserve();
  try {
    await reserved`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`;
    await reserved`SET LOCAL standard_conforming_strings = on`;
    const started = performance.now();
    const stream = await reserved.unsafe(statement).readable();
    let rows = 0;
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (chunk: Buffer) => {
        rows++; // one CopyData message per row
        bytes += chunk.length;
      });
      stream.once("end", resolve);
      stream.once("error", reject);
    });
    const seconds = (performance.now() - started) / 1000;
    await reserved`ROLLBACK`;
    return { rows, bytes, seconds };
  } finally {
    reserved.release();
  }
}

/** The same statement run by psql with its output to /dev/null: PostgreSQL's own speed, no Node at all. */
export function copyWithPsql(url: string, statement: string, signal: AbortSignal): Promise<Measured | null> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn("psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", statement], { stdio: ["ignore", "pipe", "inherit"], signal });
    let bytes = 0;
    let rows = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      rows += countNewlines(chunk);
    });
    child.once("error", () => resolve(null));
    child.once("exit", (code) => resolve(code === 0 ? { rows, bytes, seconds: (performance.now() - started) / 1000 } : null));
  });
}

/** The cursor + csv-stringify path (what every non-events export uses), in this process. */
export async function cursorInProcess(client: DbClient, projectId: string, request: ExportRequest, maxRows: number): Promise<Measured> {
  const started = performance.now();
  const source = await openExport(client, projectId, request, { maxRows, engine: "cursor" });
  let bytes = 0;
  let lines = 0;
  for (let i = 0; i < 100_000_000; i++) {
    const chunk = await source.next();
    if (chunk === null) break;
    bytes += chunk.length;
    lines += countNewlines(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return { rows: lines - 1, bytes, seconds: (performance.now() - started) / 1000 };
}

/**
 * Grows the project to `target` events with copies of its own rows (new ids, timestamps moved a
 * month back per copy): realistic rows at SQL speed. Rollups are not touched (nothing here reads them).
 */
export async function growEvents(client: DbClient, projectId: string, base: number, target: number): Promise<number> {
  const started = performance.now();
  for (let k = 1; base * k < target; k++) {
    const take = Math.min(base, target - base * k);
    await client.sql`
      INSERT INTO cost_events (project_id, event_id, ts, received_at, provider, model, feature, user_id, session_id,
        input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_usd, cost_source,
        latency_ms, latency_bucket, status, error_message, prompt_hash, metadata)
      SELECT project_id, event_id || '~' || ${k}::int, ts - ${k}::int * interval '31 days', received_at, provider, model, feature,
        user_id, session_id, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_usd,
        cost_source, latency_ms, latency_bucket, status, error_message, prompt_hash, metadata
      FROM cost_events WHERE project_id = ${projectId} AND event_id NOT LIKE '%~%'
      ORDER BY event_id LIMIT ${take}`;
  }
  await client.sql`VACUUM (ANALYZE) cost_events`;
  return (performance.now() - started) / 1000;
}
