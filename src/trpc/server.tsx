import "server-only";
import { dehydrate, HydrationBoundary, type QueryClient } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { connection } from "next/server";
import { cache, type ReactNode } from "react";
import { appRouter } from "./root";
import { createContext } from "~/server/api/trpc";
import { makeQueryClient } from "./query-client";

/** One query client per request, shared by every prefetch of that request. */
export const getQueryClient = cache(makeQueryClient);

/**
 * The same options proxy the client components use (`useTRPC()`), calling the router in-process:
 * a page prefetches exactly the query options its client component will ask for.
 */
export const trpc = createTRPCOptionsProxy({
  ctx: async () => createContext({ headers: new Headers(await headers()) }),
  router: appRouter,
  queryClient: getQueryClient,
});

/**
 * Runs the page's queries on the server before its client components render, so the HTML carries
 * the first rows and the browser does not start a second round trip (no waterfall). Prefetch never
 * throws: a failed query is left out of the hydrated state and the client shows its error state.
 */
export async function prefetch(run: (qc: QueryClient) => Promise<unknown>[]): Promise<void> {
  // Dynamic from here on: `next build` never connects to a database while prerendering.
  await connection();
  await Promise.all(run(getQueryClient()));
}

/** The request's clock, read after `connection()` so prerendering never freezes it. */
export async function requestNow(): Promise<number> {
  await connection();
  return Date.now();
}

export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
