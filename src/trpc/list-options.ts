import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "./root";

/** The typed query-options proxy the dashboard's query builders take (server prefetch and browser hooks). */
export type Trpc = TRPCOptionsProxy<AppRouter>;

export const nextCursor = (p: { nextCursor: string | null }) => p.nextCursor;
// Pages are immutable once loaded: skip React Query's deep compare of every loaded row on each
// new page (O(rows) work that would land in the middle of a scroll).
export const INFINITE_LIST = { getNextPageParam: nextCursor, structuralSharing: false } as const;
