import "server-only";
import { createTRPCRouter, projectProcedure } from "~/server/api/trpc";
import { filterOptionsInputSchema } from "../schemas";
import { getFilterOptions } from "./filter-options";

export const filtersRouter = createTRPCRouter({
  /** Choices for the dashboard's filter bar: what exists in the window, from the daily rollup. */
  options: projectProcedure.input(filterOptionsInputSchema).query(({ ctx, input }) => getFilterOptions(ctx.db, ctx.projectId, input)),
});
