// ───────────────────────────── SLOT: prompts.clusters ─────────────────────────────
// The savings headline ("near-duplicate prompts cost $X; consolidating them would save ~$Y") reads
// `prompts.clusters`, which the prompt-similarity work is adding to the router. It is not in
// src/server/api/root.ts yet, so nothing is rendered here. When it lands: query
// `trpc.prompts.clusters.queryOptions(<window filters>)`, prefetch the same options in
// src/app/(dashboard)/page.tsx, and render the summed savings with <Money/> and a link to /prompts.
// ──────────────────────────────────────────────────────────────────────────────────

export function SavingsHeadline() {
  return null;
}
