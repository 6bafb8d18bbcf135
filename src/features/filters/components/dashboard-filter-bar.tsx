"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { FilterBar } from "~/components/filter-bar/filter-bar";
import type { FilterState } from "~/components/filter-bar/use-dashboard-filters";
import { useTRPC } from "~/trpc/react";
import { filterOptionsQuery } from "../queries";

/** The shared filter bar fed with the choices that exist in the window (stats.filterOptions). */
export function DashboardFilterBar({ state, actions }: { state: FilterState; actions?: ReactNode }) {
  const trpc = useTRPC();
  const options = useQuery(filterOptionsQuery(trpc, state.input));
  return <FilterBar state={state} options={options.data} actions={actions} />;
}
