import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { FilterInput } from "~/lib/list-filters";
import type { AppRouter } from "~/trpc/root";

/** Choices for the filter bar: what exists in the window, whatever the other filters say. */
export const filterOptionsQuery = (t: TRPCOptionsProxy<AppRouter>, input: FilterInput) =>
  t.filters.options.queryOptions({ from: input.from, to: input.to });
