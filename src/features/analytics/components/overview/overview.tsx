"use client";

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { ErrorState } from "~/components/ui/error-state";
import { EmptyState } from "~/components/ui/empty-state";
import { useTRPC } from "~/trpc/react";
import { activeFilterCount, hrefWith } from "~/lib/filters";
import { featuresQuery, modelsQuery, OVERVIEW_MODELS, parseGroupBy, previousSummaryQuery, summaryQuery, TOP_FEATURES } from "~/features/analytics/queries";
import { DashboardFilterBar } from "~/features/filters";
import { Onboarding } from "~/features/ingestion";
import { SavingsHeadline } from "~/features/prompts";
import { useDashboardFilters } from "~/components/filter-bar/use-dashboard-filters";
import { CostOverTime } from "./cost-over-time";
import { SummaryCards, SummaryCardsSkeleton } from "./summary-cards";
import { TopList } from "./top-list";
import { UnpricedWarning } from "./unpriced-warning";

const PAGE_PARAMS = ["group"] as const;

export function Overview({ serverNowMs }: { serverNowMs: number }) {
  const state = useDashboardFilters(serverNowMs, PAGE_PARAMS);
  const { filters, input } = state;
  const groupBy = parseGroupBy(state.params.get("group"));
  const trpc = useTRPC();
  const summary = useQuery(summaryQuery(trpc, input));
  const previous = useQuery(previousSummaryQuery(trpc, input));
  const features = useInfiniteQuery(featuresQuery(trpc, input, TOP_FEATURES));
  const models = useInfiniteQuery(modelsQuery(trpc, input, OVERVIEW_MODELS));
  const windowEmpty = summary.data?.calls === 0;
  const allTime = useQuery({ ...trpc.stats.summary.queryOptions({}), enabled: windowEmpty });
  const modelItems = models.data?.pages[0]?.items ?? [];

  if (summary.isError) return <ErrorState error={summary.error} onRetry={() => void summary.refetch()} />;
  if (allTime.data?.calls === 0) return <Onboarding heading="This project has no events yet" />;

  return (
    <>
      <DashboardFilterBar state={state} />
      {summary.data ? <SummaryCards current={summary.data} previous={previous.data} /> : <SummaryCardsSkeleton />}
      {windowEmpty && (
        <EmptyState title="No calls in this window">
          {activeFilterCount(filters) > 0 ? "Clear some filters or widen the time range." : "Widen the time range to see older calls."}
        </EmptyState>
      )}
      {summary.data && (
        <UnpricedWarning
          calls={summary.data.unpricedCalls}
          models={modelItems.filter((m) => m.unpricedCalls > 0)}
          more={models.hasNextPage}
        />
      )}
      <SavingsHeadline input={input} filters={filters} />
      <CostOverTime input={input} groupBy={groupBy} onGroupBy={(g) => state.setParam("group", g === "feature" ? undefined : g)} />
      <div className="grid-2">
        <TopList
          title="Top features"
          loading={features.isPending}
          moreHref={hrefWith("/features", filters)}
          rows={(features.data?.pages[0]?.items ?? []).map((f) => ({
            key: f.feature ?? "",
            name: f.feature ?? <span className="muted">(no feature)</span>,
            calls: f.calls,
            costUsd: f.costUsd,
            href: hrefWith("/events", { ...filters, feature: f.feature ?? "" }),
          }))}
        />
        <TopList
          title="Top models"
          loading={models.isPending}
          moreHref={hrefWith("/models", filters)}
          rows={modelItems.slice(0, TOP_FEATURES).map((m) => ({
            key: `${m.provider}/${m.model}`,
            name: `${m.provider}/${m.model}`,
            calls: m.calls,
            costUsd: m.costUsd,
            href: hrefWith("/events", { ...filters, provider: m.provider, model: m.model }),
          }))}
        />
      </div>
    </>
  );
}
