import "server-only";
import { z } from "zod";
import { createTRPCRouter, projectProcedure } from "~/server/api/trpc";
import { getPromptText } from "./prompt-text";

// Reads only the dashboard needs beyond the analytics lists.
export const dashboardRouter = createTRPCRouter({
  promptText: projectProcedure
    .input(z.object({ promptId: z.string().regex(/^\d{1,19}$/, "promptId must be a prompt id") }))
    .query(({ ctx, input }) => getPromptText(ctx.db, ctx.projectId, input.promptId)),
});
