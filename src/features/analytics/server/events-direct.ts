import "server-only";
import { listInputSchema } from "~/lib/list-filters";
import { transformer } from "~/lib/transformer";
import { accessFor, resolveCaller } from "~/server/auth/resolve-project";
import { getDbClient } from "~/server/db";
import { getSecret } from "~/server/secrets";
import { listEventsJson } from "./events-list";

// The events list read over HTTP without tRPC's response path: the page is PostgreSQL's JSON text
// (listEventsJson), wrapped in tRPC's own envelope — what tRPC would send for the same call, as
// the dashboard's batch link and API-key scripts read it. Only the plain successful call is served
// here: a batch of exactly this one call or a single GET, a JSON (not streamed) answer, an input
// the procedure's schema accepts, a caller that may read the project. Anything else — and any
// error on the way — returns null and the request takes the tRPC route as before, which answers it
// (its errors included) as it always has. The access checks are projectProcedure's, in its order.

const PATH = "/api/trpc/events.list";

function wantsStream(headers: Headers): boolean {
  const accept = headers.get("trpc-accept") ?? headers.get("accept") ?? "";
  return accept.split(",").some((t) => t.trim() === "application/jsonl");
}

/** The call's input as tRPC would read it from the query string, or undefined when it cannot be. */
function readInput(url: URL, batched: boolean): unknown {
  const raw = url.searchParams.get("input");
  if (raw === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (batched) {
    if (typeof parsed !== "object" || parsed === null || !("0" in parsed)) return undefined;
    parsed = parsed["0"];
  }
  return transformer.deserialize(parsed);
}

/** The events list's answer, or null when the request is not the plain case served here. */
export async function directEventsList(req: Request): Promise<Response | null> {
  if (req.method !== "GET" || wantsStream(req.headers)) return null;
  const url = new URL(req.url);
  if (url.pathname !== PATH) return null;
  const batch = url.searchParams.get("batch");
  if (batch !== null && batch !== "1") return null;
  const batched = batch === "1";
  try {
    const input = listInputSchema.safeParse(readInput(url, batched));
    if (!input.success) return null;
    const { db, sql } = getDbClient();
    const principal = await resolveCaller(db, req.headers);
    const { projectId } = await accessFor(db, principal, req.headers);
    const secret = await getSecret(db, "cursor");
    const page = await listEventsJson(sql, secret, projectId, input.data);
    const body = `{"result":{"data":{"json":${page}}}}`;
    return new Response(batched ? `[${body}]` : body, {
      status: 200,
      headers: { "content-type": "application/json", vary: "trpc-accept, accept" },
    });
  } catch {
    return null; // tRPC runs the call again and answers with its own error
  }
}
