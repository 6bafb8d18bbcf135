"use client";

// ───────────────────────────── SLOT: prompts.similar ─────────────────────────────
// `prompts.similar` ({promptId, minSimilarity, limit} → prompts with cosine similarity, calls and
// cost) is being added to the router by the prompt-similarity work. When it is in
// src/server/api/root.ts, replace this body with:
//   const similar = useQuery(trpc.prompts.similar.queryOptions({ promptId, minSimilarity: 0.8, limit: 10 }));
// and list each item (similarity %, preview, calls, cost) in <ul data-testid="similar-prompts">.
// The e2e spec `e2e/prompts.spec.ts` turns itself on once that procedure exists.
// ──────────────────────────────────────────────────────────────────────────────────

export function SimilarPrompts({ promptId }: { promptId: string }) {
  return (
    <section aria-labelledby={`similar-${promptId}`} className="similar">
      <h3 id={`similar-${promptId}`}>Similar prompts</h3>
      <p className="muted small">Near-duplicate detection is not available on this server yet.</p>
    </section>
  );
}
