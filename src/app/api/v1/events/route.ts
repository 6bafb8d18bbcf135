// POST /api/v1/events — ingest LLM call events from SDKs
import { ingestEvents, splitPayload } from "~/features/ingestion/server";
import { MAX_BODY_BYTES } from "~/features/ingestion";
import { requireApiKey } from "~/server/auth/require-api-key";
import { getDbClient } from "~/server/db";
import { json, readJsonBody, route } from "~/server/http";

export const dynamic = "force-dynamic";

export const POST = route(async (req, { requestId }) => {
  const client = getDbClient();
  const { projectId } = await requireApiKey(req, client.db);
  // No whole-body depth bound: eventSchema bounds each event's metadata (iteratively), so one
  // too-deep event is rejected by index and the rest stored (207), as the contract says.
  const items = splitPayload(await readJsonBody(req, MAX_BODY_BYTES, null));
  const result = await ingestEvents(client, projectId, items);
  const stored = result.accepted + result.duplicates > 0;
  if (!stored) {
    return json({ error: "invalid_events", message: "no valid event in the request", ...result, requestId }, 400);
  }
  return json(result, result.rejected.length > 0 ? 207 : 200);
});
