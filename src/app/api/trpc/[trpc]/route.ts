// GET|POST /api/trpc/* — analytics procedures (tRPC, superjson) for the dashboard and API-key scripts
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/trpc/root";
import { createContext } from "~/server/api/trpc";

export const dynamic = "force-dynamic";

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    // resHeaders: procedures that set a cookie (account.selectProject) add it to the response.
    createContext: ({ resHeaders }) => createContext({ headers: req.headers, resHeaders }),
  });

export { handler as GET, handler as POST };
