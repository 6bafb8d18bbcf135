// POST /api/v1/events — ingest LLM call events from SDKs
import { MAX_BODY_BYTES } from "~/features/ingestion";
import { ingestEvents, splitPayload } from "~/features/ingestion/server";
import { requireApiKey, requireApiKeyCached } from "~/server/auth/require-api-key";
import { getDbClient } from "~/server/db";
import { json, readJsonBody } from "~/server/http";
import { INGESTION_LIMIT, limitedRoute } from "~/server/route-limits";

export const dynamic = "force-dynamic";

export const POST = limitedRoute(INGESTION_LIMIT, async (req, { requestId }) => {
  const client = getDbClient();
  // Cached: the insert statement itself refuses a revoked key (see insertEvents).
  const owner = await requireApiKeyCached(req, client.db);
  // No whole-body depth bound: eventSchema bounds each event's metadata (iteratively), so one
  // too-deep event is rejected by index and the rest stored (207), as the contract says.
  const items = splitPayload(await readJsonBody(req, MAX_BODY_BYTES, null));
  const result = await ingestEvents(client, owner.projectId, items, { keyId: owner.keyId });
  const stored = result.accepted + result.duplicates > 0;
  if (!stored) {
    // Nothing reached the statement that re-checks the key: check it here before answering.
    if (owner.cached) await requireApiKey(req, client.db);
    return json({ error: "invalid_events", message: "no valid event in the request", ...result, requestId }, 400);
  }
  return json(result, result.rejected.length > 0 ? 207 : 200);
});
