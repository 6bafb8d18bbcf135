import "server-only";
import { eq } from "drizzle-orm";
import { env } from "~/env";
import type { Db, DbClient } from "~/server/db";
import { projects } from "~/server/db/schema";
import { serviceUnavailable } from "~/server/errors";
import { sourceFor } from "~/features/analytics/server";
import { COLUMNS } from "../columns";
import { CONTENT_TYPES, exportFilename, type ExportRequest } from "../schemas";
import { copyJsonWriter, createWriter } from "../writer";
import { openCopySource } from "./copy-source";
import { openCursorSource } from "./cursor-source";
import { eventsCopyStatement, eventsJsonCopyStatement } from "./events-sql";
import { cursorPlan } from "./plans";
import { openSnapshot } from "./snapshot";
import { toWebStream, type Source } from "./source";

/**
 * "copy": the events CSV, JSON and NDJSON come from PostgreSQL's COPY (same bytes as the JS writers,
 * see export-paths.int.test.ts, ~4x faster); "cursor": everything through DECLARE/FETCH + JS writers.
 */
export type ExportEngine = "copy" | "cursor";
export type ExportOptions = { maxRows: number; engine?: ExportEngine; onClosed?: () => void };

/** Response headers, the same for GET and HEAD; the only query is the project's name. */
export async function exportHeaders(db: Db, projectId: string, request: ExportRequest, maxRows = env.EXPORT_MAX_ROWS) {
  const rows = await db.select({ name: projects.name }).from(projects).where(eq(projects.id, projectId)).limit(1);
  const filename = exportFilename(rows[0]?.name ?? "project", request.kind, request.format, new Date(), request.by);
  return {
    "content-type": CONTENT_TYPES[request.format],
    "content-disposition": `attachment; filename="${filename}"`,
    // no-transform: Next's gzip would buffer and spend a core on a file meant to stream flat.
    "cache-control": "no-store, no-transform",
    "x-content-type-options": "nosniff",
    // The cap in force; a capped file also ends with a marker row/element saying so.
    "x-export-row-limit": String(maxRows),
  };
}

/** Takes the snapshot and starts the query; the returned source produces the file. */
export async function openExport(client: DbClient, projectId: string, request: ExportRequest, options: ExportOptions): Promise<Source> {
  const snap = await openSnapshot(client, projectId, options.onClosed);
  try {
    const writer = createWriter(request.format, COLUMNS[request.kind]);
    const { maxRows } = options;
    if (request.kind === "events" && (options.engine ?? "copy") === "copy") {
      if (request.format === "csv") return await openCopySource(snap, eventsCopyStatement(projectId, request.filters, maxRows + 1), writer, maxRows);
      const statement = eventsJsonCopyStatement(projectId, request.filters, maxRows + 1);
      return await openCopySource(snap, statement, copyJsonWriter(request.format), maxRows, { arrayCommas: request.format === "json" });
    }
    const source = request.by === undefined ? undefined : await sourceFor(snap.db, projectId, request.by);
    return await openCursorSource(snap, cursorPlan(snap, projectId, request, maxRows, source), writer, maxRows);
  } catch (err) {
    await snap.close();
    throw err;
  }
}

// Each running export holds one pooled connection for its whole download: at most half the pool,
// so ingestion and the dashboard keep theirs.
let running = 0;
export const maxConcurrentExports = () => Math.max(1, Math.floor(env.DB_POOL_MAX / 2));

/** The streamed response; 503 + Retry-After when this instance already runs its share of exports. */
export async function exportResponse(client: DbClient, projectId: string, request: ExportRequest, signal: AbortSignal): Promise<Response> {
  if (running >= maxConcurrentExports()) throw serviceUnavailable("too many exports are running on this instance; retry shortly", 10);
  running++;
  let released = false;
  const release = () => {
    if (!released) {
      released = true;
      running--;
    }
  };
  try {
    const headers = await exportHeaders(client.db, projectId, request);
    const source = await openExport(client, projectId, request, { maxRows: env.EXPORT_MAX_ROWS, onClosed: release });
    // Belt and braces with the stream's cancel: the request's signal fires when the client leaves.
    signal.addEventListener("abort", () => void source.close(), { once: true });
    return new Response(toWebStream(source, { projectId, kind: request.kind, format: request.format }), { status: 200, headers });
  } catch (err) {
    release();
    throw err;
  }
}
