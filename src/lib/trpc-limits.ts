// Shared by the server's guard (src/server/api/trpc-limits.ts) and the browser client, which splits
// its batches at the same size so the dashboard never meets the limit.

/** Procedures per batched request. */
export const MAX_TRPC_BATCH = 20;
