"use client";

import { createColumnHelper, tableFeatures } from "@tanstack/react-table";
import type { ColumnMetaShape } from "~/components/ui/data-table/virtual-table";
import { RowButton } from "~/components/ui/data-table/row-button";
import { Money } from "~/components/ui/money";
import type { PromptItem } from "~/features/prompts/server/prompts-list";
import { averageCost, formatTime, formatTokens } from "~/lib/display";

export const promptFeatures = tableFeatures({ columnMeta: {} as ColumnMetaShape });
const col = createColumnHelper<typeof promptFeatures, PromptItem>();

export const PROMPT_GRID = "minmax(240px, 3fr) 80px 100px 100px 150px";

export function promptColumns(onSelect: (p: PromptItem) => void) {
  return col.columns([
    col.accessor("preview", {
      header: "Prompt",
      meta: { width: "minmax(240px, 3fr)" },
      cell: (c) => (
        <RowButton onOpen={() => onSelect(c.row.original)} className="link-button ellipsis" title={c.getValue()}>
          {c.getValue()}
        </RowButton>
      ),
    }),
    col.accessor("calls", { header: "Calls", meta: { width: "80px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
    col.accessor("costUsd", { header: "Cost", meta: { width: "100px", align: "right" }, cell: (c) => <Money value={c.getValue()} /> }),
    col.accessor((r) => averageCost(r.costUsd, r.calls), {
      id: "avgCost",
      header: "Per call",
      meta: { width: "100px", align: "right" },
      cell: (c) => <Money value={c.getValue()} />,
    }),
    col.accessor("lastSeen", { header: "Last seen (UTC)", meta: { width: "150px", align: "right" }, cell: (c) => formatTime(c.getValue(), "MMM d, HH:mm") }),
  ]);
}
