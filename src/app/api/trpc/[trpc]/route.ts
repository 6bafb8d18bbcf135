// GET|POST /api/trpc/* — analytics procedures (tRPC, superjson) for the dashboard and API-key scripts
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/trpc/root";
import { createContext } from "~/server/api/trpc";
import { limitTrpcRequest } from "~/server/api/trpc-limits";

export const dynamic = "force-dynamic";

const ENDPOINT = "/api/trpc";

const handler = async (req: Request) => {
  const checked = await limitTrpcRequest(req, ENDPOINT);
  if (checked instanceof Response) return checked;
  return fetchRequestHandler({
    endpoint: ENDPOINT,
    req: checked,
    router: appRouter,
    // resHeaders: procedures that set a cookie (account.selectProject) add it to the response.
    createContext: ({ resHeaders }) => createContext({ headers: checked.headers, resHeaders }),
  });
};

export { handler as GET, handler as POST };
