// POST /api/v1/otlp/v1/traces — OTLP/HTTP trace export (JSON or protobuf); GenAI/OpenInference LLM spans become cost events
import { env } from "~/env";
import { otlpResponse, exportTraces, otlpEncoding } from "~/features/otlp/server";
import { requireApiKey } from "~/server/auth/require-api-key";
import { getDbClient } from "~/server/db";
import { INGESTION_LIMIT, limitedRoute } from "~/server/route-limits";

export const dynamic = "force-dynamic";

export const POST = limitedRoute(INGESTION_LIMIT, async (req) => {
  const encoding = otlpEncoding(req);
  return otlpResponse(encoding, async () => {
    const client = getDbClient();
    const { projectId } = await requireApiKey(req, client.db);
    return exportTraces(client, projectId, req, encoding, env.OTLP_FEATURE_ATTRIBUTE);
  });
});
