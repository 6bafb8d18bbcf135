// GET|POST /api/trpc/* — analytics procedures (tRPC, superjson) for the dashboard and API-key scripts
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/trpc/root";
import { createContext } from "~/server/api/trpc";
import { directEventsList } from "~/features/analytics/server";
import { limitTrpcRequest } from "~/server/api/trpc-limits";
import { route } from "~/server/http";

export const dynamic = "force-dynamic";

const ENDPOINT = "/api/trpc";

// route(): the request id (also the one in error bodies and logs) and HSTS, as on every API route.
const handler = route(async (req, { requestId }) => {
  const checked = await limitTrpcRequest(req, ENDPOINT);
  if (checked instanceof Response) return checked;
  // The events list's pages skip tRPC's response path (features/analytics/server/events-direct.ts); null: tRPC answers.
  const direct = await directEventsList(checked);
  if (direct) return direct;
  return fetchRequestHandler({
    endpoint: ENDPOINT,
    req: checked,
    router: appRouter,
    // resHeaders: procedures that set a cookie (account.selectProject) add it to the response.
    createContext: ({ resHeaders }) => createContext({ headers: checked.headers, resHeaders, requestId }),
  });
});

export { handler as GET, handler as POST };
