"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Money } from "~/components/ui/money";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import { hrefWith, type DashboardFilters, type FilterInput } from "~/lib/filters";
import { sumUsd } from "~/lib/display";
import { clustersQuery } from "../queries";

/** What caching near-duplicate prompts would have saved in this window (from prompts.clusters). */
export function SavingsHeadline({ input, filters }: { input: FilterInput; filters: DashboardFilters }) {
  const trpc = useTRPC();
  const clusters = useInfiniteQuery(clustersQuery(trpc, input));
  const page = clusters.data?.pages[0];
  if (clusters.isPending) {
    return (
      <div className="callout savings" aria-busy="true">
        <Skeleton width="60%" />
      </div>
    );
  }
  // The headline is a bonus: when clustering fails the rest of the overview still stands. It keeps
  // its box either way, so nothing below it moves when it arrives.
  if (clusters.isError || !page || page.items.length === 0) {
    return (
      <div className="callout savings savings-none muted">
        {clusters.isError ? "Savings from near-duplicate prompts are unavailable right now." : "No near-duplicate prompts in this window: nothing to save by caching them."}
      </div>
    );
  }
  const semantic = sumUsd(page.items.map((c) => c.semanticCacheSavingsUsd));
  const exact = sumUsd(page.items.map((c) => c.exactRepeatSavingsUsd));
  return (
    <div className="callout savings" data-testid="savings-headline">
      <strong>
        <Money value={semantic} />
      </strong>{" "}
      could be saved by caching near-duplicate prompts ({page.items.length}
      {page.nextCursor ? "+" : ""} clusters; <Money value={exact} /> from exact repeats alone).{" "}
      <Link href={hrefWith("/prompts", filters, { view: "clusters" })} prefetch={false}>
        See clusters
      </Link>
    </div>
  );
}
