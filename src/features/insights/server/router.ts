import "server-only";
import { createTRPCRouter, projectProcedure } from "~/server/api/trpc";
import { insightsFiltersSchema, whatIfInputSchema } from "../schemas";
import { cacheOpportunities } from "./cache-opportunities";
import { tierCliffs } from "./tier-cliffs";
import { whatIf } from "./what-if";

// Thin: validate, call the insight with the caller's project.
export const insightsRouter = createTRPCRouter({
  whatIf: projectProcedure.input(whatIfInputSchema).query(({ ctx, input }) => whatIf(ctx.db, ctx.projectId, input)),
  tierCliffs: projectProcedure.input(insightsFiltersSchema).query(({ ctx, input }) => tierCliffs(ctx.db, ctx.projectId, input)),
  cacheOpportunities: projectProcedure
    .input(insightsFiltersSchema)
    .query(({ ctx, input }) => cacheOpportunities(ctx.db, ctx.projectId, input)),
});
