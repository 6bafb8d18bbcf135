import "server-only";
import { createTRPCRouter, projectProcedure } from "~/server/api/trpc";
import { filtersSchema, listInputSchema, timeseriesInputSchema } from "../schemas";
import { listAggregates } from "./aggregates";
import { listEvents } from "./events-list";
import { getSummary, getTimeseries } from "./stats";

// Thin: validate, call the query function with the caller's project, return its result.
export const eventsRouter = createTRPCRouter({
  list: projectProcedure
    .input(listInputSchema)
    .query(({ ctx, input }) => listEvents(ctx.db, ctx.cursorSecret, ctx.projectId, input)),
});

export const featuresRouter = createTRPCRouter({
  list: projectProcedure
    .input(listInputSchema)
    .query(({ ctx, input }) => listAggregates(ctx.db, ctx.cursorSecret, ctx.projectId, "features", input)),
});

export const modelsRouter = createTRPCRouter({
  list: projectProcedure
    .input(listInputSchema)
    .query(({ ctx, input }) => listAggregates(ctx.db, ctx.cursorSecret, ctx.projectId, "models", input)),
});

export const statsRouter = createTRPCRouter({
  summary: projectProcedure.input(filtersSchema).query(({ ctx, input }) => getSummary(ctx.db, ctx.projectId, input)),
  timeseries: projectProcedure
    .input(timeseriesInputSchema)
    .query(({ ctx, input }) => getTimeseries(ctx.db, ctx.cursorSecret, ctx.projectId, input)),
});
