"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useTable } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { InfiniteTable, usePageItems } from "~/components/ui/data-table/infinite-table";
import type { PromptItem } from "~/features/prompts/server/prompts-list";
import { useTRPC } from "~/trpc/react";
import type { FilterInput } from "~/lib/filters";
import { promptsQuery } from "../../queries";
import { ExportMenu } from "~/features/export";
import { DashboardFilterBar } from "~/features/filters";
import { useDashboardFilters } from "~/components/filter-bar/use-dashboard-filters";
import { PromptClusters } from "./clusters";
import { PROMPT_GRID, promptColumns, promptFeatures } from "./columns";
import { PromptsEmptyState } from "./empty-state";
import { PromptPanel } from "./prompt-panel";
import { PromptSearch } from "./prompt-search";
import { PromptsTableSkeleton } from "./skeleton";

const rowId = (r: PromptItem) => r.id;
const PAGE_PARAMS = ["q", "view"] as const;
const VIEWS = [
  { id: "list", label: "All prompts" },
  { id: "clusters", label: "Clusters with savings" },
] as const;

/** Prompts: the infinite list with a detail panel, or the near-duplicate clusters (URL `view`). */
export function PromptsTable({ serverNowMs }: { serverNowMs: number }) {
  const state = useDashboardFilters(serverNowMs, PAGE_PARAMS);
  const search = state.params.get("q") ?? undefined;
  const view = state.params.get("view") === "clusters" ? "clusters" : "list";
  return (
    <>
      <DashboardFilterBar state={state} actions={<ExportMenu kind="prompts" input={state.input} extra={search ? { search } : {}} />} />
      <div className="segmented tabs" role="group" aria-label="View">
        {VIEWS.map((v) => (
          <button
            key={v.id}
            type="button"
            className={v.id === view ? "active" : undefined}
            aria-pressed={v.id === view}
            onClick={() => state.setParam("view", v.id === "list" ? undefined : v.id)}
          >
            {v.label}
          </button>
        ))}
      </div>
      {view === "clusters" ? (
        <PromptClusters input={state.input} />
      ) : (
        <>
          <PromptSearch key={search ?? ""} value={search} onChange={(q) => state.setParam("q", q)} />
          <PromptList input={state.input} search={search} />
        </>
      )}
    </>
  );
}

function PromptList({ input, search }: { input: FilterInput; search: string | undefined }) {
  const trpc = useTRPC();
  const query = useInfiniteQuery({ ...promptsQuery(trpc, input, search), placeholderData: keepPreviousData });
  const rows = usePageItems(query);
  const [selected, setSelected] = useState<PromptItem | null>(null);
  const columns = useMemo(() => promptColumns(setSelected), []);
  const table = useTable({ features: promptFeatures, columns, data: rows, getRowId: rowId });
  return (
    <div className={selected ? "split" : undefined}>
      <div className="split-main">
        <InfiniteTable
          query={query}
          skeleton={<PromptsTableSkeleton />}
          empty={<PromptsEmptyState search={search} />}
          table={table}
          label="Prompts"
          gridTemplate={PROMPT_GRID}
          onRowClick={setSelected}
          selectedRowId={selected?.id ?? null}
          height="calc(100vh - 360px)"
        />
      </div>
      {selected && <PromptPanel key={selected.id} prompt={selected} onClose={() => setSelected(null)} />}
    </div>
  );
}
