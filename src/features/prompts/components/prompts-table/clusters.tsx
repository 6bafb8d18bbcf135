"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { EmptyState } from "~/components/ui/empty-state";
import { ErrorState } from "~/components/ui/error-state";
import { Money } from "~/components/ui/money";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import type { FilterInput } from "~/lib/filters";
import { formatTokens } from "~/lib/display";
import { clustersQuery } from "../../queries";

/**
 * Groups of near-duplicate prompts by what a semantic cache would save, with the share that plain
 * exact-repeat caching would already save. A handful of clusters per page: no virtualization needed.
 */
export function PromptClusters({ input }: { input: FilterInput }) {
  const trpc = useTRPC();
  const query = useInfiniteQuery({ ...clustersQuery(trpc, input), placeholderData: keepPreviousData });
  if (query.isPending) return <Skeleton height={240} />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  const clusters = query.data.pages.flatMap((p) => p.items);
  const first = query.data.pages[0];
  if (clusters.length === 0) {
    return <EmptyState title="No near-duplicate prompts in this window">Prompts become clusters once two of them are at least 80% similar.</EmptyState>;
  }
  return (
    <section className="card" aria-labelledby="clusters-title">
      <div className="card-head">
        <h2 id="clusters-title" className="label">
          Clusters with savings
        </h2>
        <span className="muted small">
          {formatTokens(first?.promptsConsidered ?? 0)} prompts compared{first?.promptsLimited ? " (the costliest ones)" : ""}
        </span>
      </div>
      <table className="mini-table" aria-label="Prompt clusters" data-testid="clusters">
        <thead>
          <tr>
            <th scope="col">Representative prompt</th>
            <th scope="col" className="num">Prompts</th>
            <th scope="col" className="num">Calls</th>
            <th scope="col" className="num">Cost</th>
            <th scope="col" className="num">Exact-repeat savings</th>
            <th scope="col" className="num">Semantic-cache savings</th>
          </tr>
        </thead>
        <tbody>
          {clusters.map((c) => (
            <tr key={c.id}>
              <td className="cluster-preview" title={c.members.map((m) => m.preview).join("\n—\n")}>
                {c.members[0]?.preview ?? ""}
              </td>
              <td className="num">{c.prompts}</td>
              <td className="num">{formatTokens(Number(c.calls))}</td>
              <td className="num">
                <Money value={c.costUsd} />
              </td>
              <td className="num">
                <Money value={c.exactRepeatSavingsUsd} />
              </td>
              <td className="num">
                <strong>
                  <Money value={c.semanticCacheSavingsUsd} />
                </strong>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {query.hasNextPage && (
        <button type="button" className="btn" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? "Loading…" : "More clusters"}
        </button>
      )}
    </section>
  );
}
