import "server-only";
import { z } from "zod";
import { promptIdSchema } from "~/features/prompts/schemas";
import { createTRPCRouter, projectProcedure } from "~/server/api/trpc";
import { getFilterOptions } from "./filter-options";
import { getPromptText } from "./prompt-text";

const instant = z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time" }).transform((v) => new Date(v));

// Reads only the dashboard needs beyond the analytics lists.
export const dashboardRouter = createTRPCRouter({
  promptText: projectProcedure
    .input(z.object({ promptId: promptIdSchema }))
    .query(({ ctx, input }) => getPromptText(ctx.db, ctx.projectId, input.promptId)),
  filterOptions: projectProcedure
    .input(z.object({ from: instant, to: instant }).refine((w) => w.from < w.to, { path: ["to"], message: "to must be after from" }))
    .query(({ ctx, input }) => getFilterOptions(ctx.db, ctx.projectId, input)),
});
