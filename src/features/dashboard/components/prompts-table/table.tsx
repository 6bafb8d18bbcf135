"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useTable } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { VirtualTable } from "~/components/ui/data-table/virtual-table";
import { ErrorState } from "~/components/ui/error-state";
import type { PromptItem } from "~/features/analytics/server/prompts-list";
import { useTRPC } from "~/trpc/react";
import { promptsQuery } from "../../queries";
import { ExportMenu } from "../export-menu";
import { FilterBar } from "../filter-bar/filter-bar";
import { useDashboardFilters } from "../use-dashboard-filters";
import { PROMPT_GRID, promptColumns, promptFeatures } from "./columns";
import { PromptsEmptyState } from "./empty-state";
import { PromptPanel } from "./prompt-panel";
import { PromptSearch } from "./prompt-search";
import { PromptsTableSkeleton } from "./skeleton";

const NO_ROWS: PromptItem[] = [];
const PAGE_PARAMS = ["q"] as const;

export function PromptsTable({ serverNowMs }: { serverNowMs: number }) {
  const state = useDashboardFilters(serverNowMs, PAGE_PARAMS);
  const search = state.params.get("q") ?? undefined;
  const trpc = useTRPC();
  const query = useInfiniteQuery({ ...promptsQuery(trpc, state.input, search), placeholderData: keepPreviousData });
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? NO_ROWS, [query.data]);
  const [selected, setSelected] = useState<PromptItem | null>(null);
  const columns = useMemo(() => promptColumns(setSelected), []);
  const table = useTable({ features: promptFeatures, columns, data: rows, getRowId: (r) => r.id });

  return (
    <>
      <FilterBar
        state={state}
        actions={<ExportMenu kind="prompts" input={state.input} extra={search ? { search } : {}} />}
      />
      <PromptSearch key={search ?? ""} value={search} onChange={(q) => state.setParam("q", q)} />
      <div className={selected ? "split" : undefined}>
        <div className="split-main">
          {query.isPending ? (
            <PromptsTableSkeleton />
          ) : query.isError && rows.length === 0 ? (
            <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          ) : rows.length === 0 ? (
            <PromptsEmptyState search={search} />
          ) : (
            <div className={query.isPlaceholderData ? "stale" : undefined}>
              <VirtualTable
                table={table}
                label="Prompts"
                gridTemplate={PROMPT_GRID}
                hasNextPage={query.hasNextPage}
                isFetchingNextPage={query.isFetchingNextPage}
                fetchNextPage={query.fetchNextPage}
                onRowClick={setSelected}
                selectedRowId={selected?.id ?? null}
                height="calc(100vh - 390px)"
              />
            </div>
          )}
        </div>
        {selected && <PromptPanel key={selected.id} prompt={selected} onClose={() => setSelected(null)} />}
      </div>
    </>
  );
}
