"use client";

import { useQuery } from "@tanstack/react-query";
import { Money } from "~/components/ui/money";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import { formatTokens } from "~/lib/display";
import { similarQuery } from "../../queries";

/** Near-duplicates of one prompt (pgvector cosine similarity), with what each of them costs. */
export function SimilarPrompts({ promptId }: { promptId: string }) {
  const trpc = useTRPC();
  const similar = useQuery(similarQuery(trpc, promptId));
  return (
    <section aria-labelledby={`similar-${promptId}`} className="similar">
      <h3 id={`similar-${promptId}`}>Similar prompts</h3>
      {similar.isPending ? (
        <Skeleton height={60} />
      ) : similar.isError ? (
        <p role="alert">
          Could not search similar prompts: {similar.error.message}{" "}
          <button type="button" className="btn btn-small" onClick={() => void similar.refetch()}>
            Retry
          </button>
        </p>
      ) : similar.data.items.length === 0 ? (
        <p className="muted small">No prompt is at least 80% similar{similar.data.embedded ? "" : " (embeddings are still being computed)"}.</p>
      ) : (
        <ul className="similar-list" data-testid="similar-prompts">
          {similar.data.items.map((s) => (
            <li key={s.id}>
              <span className="similarity" title={`cosine similarity ${s.similarity.toFixed(4)}`}>
                {Math.round(s.similarity * 100)}%
              </span>
              <span className="similar-text">{s.preview}</span>
              <span className="muted small">
                {formatTokens(Number(s.calls))} calls · <Money value={s.costUsd} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
