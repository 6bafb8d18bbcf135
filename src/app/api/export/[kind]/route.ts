// GET /api/export/{kind} — stream events, features, models or prompts as CSV, JSON or NDJSON
import { exportHeaders, exportResponse } from "~/features/export/server";
import { parseExportRequest, type ExportRequest } from "~/features/export";
import { resolveProject } from "~/server/auth/resolve-project";
import { getDbClient } from "~/server/db";
import { badRequest } from "~/server/errors";
import { route } from "~/server/http";

export const dynamic = "force-dynamic";

type Params = { kind: string };

function parse(req: Request, kind: string): ExportRequest {
  const parsed = parseExportRequest(kind, new URL(req.url).searchParams);
  if (!parsed.ok) {
    const names = [...new Set(parsed.issues.map((i) => i.path))].join(", ");
    throw badRequest(`invalid export parameter${parsed.issues.length > 1 ? "s" : ""}: ${names}`, parsed.issues);
  }
  return parsed.request;
}

export const GET = route<Params>(async (req, _ctx, { kind }) => {
  const request = parse(req, kind);
  const client = getDbClient();
  const projectId = await resolveProject(client.db, req.headers);
  return exportResponse(client, projectId, request, req.signal);
});

// Explicit, so Next does not answer HEAD by running GET and dropping its body: that would open a
// snapshot and start the query for nothing (and a body nobody reads never releases it).
export const HEAD = route<Params>(async (req, _ctx, { kind }) => {
  const request = parse(req, kind);
  const { db } = getDbClient();
  const projectId = await resolveProject(db, req.headers);
  return new Response(null, { status: 200, headers: await exportHeaders(db, projectId, request) });
});
