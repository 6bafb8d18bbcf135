// ───────────────────────────── SLOT: prompts.clusters ─────────────────────────────
// "Clusters with savings": groups of near-duplicate prompts, their combined cost and what
// consolidating each cluster onto one prompt would save. It reads `prompts.clusters`, which the
// prompt-similarity work is adding; it is not in src/server/api/root.ts yet, so the page shows
// this note. When it lands, render a table of clusters here (prefetched in prompts/page.tsx
// with the same options) — representative prompt, members, calls, cost, savings.
// ──────────────────────────────────────────────────────────────────────────────────

export function PromptClusters() {
  return (
    <section className="callout" aria-label="Prompt clusters">
      <strong>Clusters with savings</strong>{" "}
      <span className="muted">— grouping near-duplicate prompts needs prompt similarity, which this server does not offer yet.</span>
    </section>
  );
}
