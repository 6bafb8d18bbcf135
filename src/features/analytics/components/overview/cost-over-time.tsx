"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import dynamic from "next/dynamic";
import { useEffect, useMemo } from "react";
import { ErrorState } from "~/components/ui/error-state";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import { bucketFor, type FilterInput } from "~/lib/filters";
import { timeseriesQuery, type GroupBy } from "~/features/analytics/queries";
import { GroupByPicker } from "../attribution/group-by-picker";
import { toChartData } from "./chart-data";

// The chart measures its container: render it in the browser only, in a box of fixed height.
const CostChart = dynamic(() => import("./cost-chart").then((m) => m.CostChart), {
  ssr: false,
  loading: () => <Skeleton height={280} />,
});

const MAX_PAGES = 20; // 20 × 500 points: 90 days × 100+ groups; beyond that the chart is unreadable anyway

/** `onGroupBy`: show the group-by picker (any dimension or metadata key); without it the grouping is fixed. */
export function CostOverTime({ input, groupBy, onGroupBy }: { input: FilterInput; groupBy: GroupBy; onGroupBy?: (g: GroupBy) => void }) {
  const trpc = useTRPC();
  const promoted = useQuery({ ...trpc.breakdown.promotedKeys.queryOptions(), enabled: onGroupBy !== undefined });
  const query = useInfiniteQuery({ ...timeseriesQuery(trpc, input, groupBy), placeholderData: keepPreviousData });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  const pages = query.data?.pages.length ?? 0;
  useEffect(() => {
    // A chart needs every point: keep reading pages until the series is complete.
    if (hasNextPage && !isFetchingNextPage && pages < MAX_PAGES) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, pages]);
  const bucket = bucketFor(input);
  const data = useMemo(
    () => toChartData(query.data?.pages.flatMap((p) => p.items) ?? [], input, bucket),
    [query.data, input, bucket],
  );
  return (
    <section className="card chart-card" aria-labelledby="cost-chart-title">
      <div className="card-head">
        <h2 id="cost-chart-title" className="label">
          Cost over time by {groupBy}
        </h2>
        {onGroupBy && <GroupByPicker label="Stack by" value={groupBy} promoted={promoted.data ?? []} onChange={onGroupBy} />}
      </div>
      <div className="chart-box">
        {query.isPending ? (
          <Skeleton height={280} />
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} />
        ) : (
          <CostChart data={data} bucket={bucket} />
        )}
      </div>
    </section>
  );
}
