import "server-only";
import { z } from "zod";
import { eventReceipt } from "~/features/pricing/server";
import { createTRPCRouter, managerProcedure, projectProcedure } from "~/server/api/trpc";
import { breakdownInputSchema, promoteKeyInputSchema, sessionsInputSchema, usersInputSchema } from "../attribution-schemas";
import { filtersSchema, listInputSchema, timeseriesInputSchema } from "../schemas";
import { listBreakdown, listUsers } from "./attribution-lists";
import { demoteMetadataKey, listPromotedKeys, promoteMetadataKey } from "./promoted-keys";
import { listSessions } from "./sessions-list";
import { listAggregates } from "./aggregates";
import { listEvents } from "./events-list";
import { getSummary, getTimeseries } from "./stats";

// Thin: validate, call the query function with the caller's project, return its result.
export const eventsRouter = createTRPCRouter({
  list: projectProcedure
    .input(listInputSchema)
    .query(({ ctx, input }) => listEvents(ctx.db, ctx.cursorSecret, ctx.projectId, input)),
  // The line items of one call (its event id), adding up exactly to its stored cost.
  receipt: projectProcedure
    .input(z.object({ id: z.string().min(1, "id must not be empty").max(128, "id is at most 128 characters").refine((s) => !s.includes("\0"), "id must not contain NUL characters") }))
    .query(({ ctx, input }) => eventReceipt(ctx.db, ctx.projectId, input.id)),
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

export const usersRouter = createTRPCRouter({
  list: projectProcedure.input(usersInputSchema).query(({ ctx, input }) => listUsers(ctx.db, ctx.cursorSecret, ctx.projectId, input)),
});

export const sessionsRouter = createTRPCRouter({
  list: projectProcedure.input(sessionsInputSchema).query(({ ctx, input }) => listSessions(ctx.db, ctx.cursorSecret, ctx.projectId, input)),
});

export const breakdownRouter = createTRPCRouter({
  list: projectProcedure.input(breakdownInputSchema).query(({ ctx, input }) => listBreakdown(ctx.db, ctx.cursorSecret, ctx.projectId, input)),
  /** The metadata keys this project rolls up (fast breakdowns and group-bys). */
  promotedKeys: projectProcedure.query(({ ctx }) => listPromotedKeys(ctx.db, ctx.projectId)),
  promoteKey: managerProcedure
    .input(promoteKeyInputSchema)
    .mutation(({ ctx, input }) => promoteMetadataKey(ctx.client, ctx.projectId, input.key)),
  demoteKey: managerProcedure
    .input(promoteKeyInputSchema)
    .mutation(({ ctx, input }) => demoteMetadataKey(ctx.client, ctx.projectId, input.key)),
});
