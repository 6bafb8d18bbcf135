// POST /api/v1/events — ingest LLM call events from SDKs
import { ingestEvents } from "~/features/ingestion/server/ingest";
import { splitPayload } from "~/features/ingestion/server/payload";
import { MAX_BODY_BYTES } from "~/features/ingestion/schemas";
import { requireApiKey, requireApiKeyCached } from "~/server/auth/require-api-key";
import { getDbClient } from "~/server/db";
import { json, readJsonBody, route } from "~/server/http";

export const dynamic = "force-dynamic";

export const POST = route(async (req, { requestId }) => {
  const client = getDbClient();
  // Cached: the insert statement itself refuses a revoked key (see insertEvents).
  const owner = await requireApiKeyCached(req, client.db);
  const items = splitPayload(await readJsonBody(req, MAX_BODY_BYTES));
  const result = await ingestEvents(client, owner.projectId, items, { keyId: owner.keyId });
  const stored = result.accepted + result.duplicates > 0;
  if (!stored) {
    // Nothing reached the statement that re-checks the key: check it here before answering.
    if (owner.cached) await requireApiKey(req, client.db);
    return json({ error: "invalid_events", message: "no valid event in the request", ...result, requestId }, 400);
  }
  return json(result, result.rejected.length > 0 ? 207 : 200);
});
