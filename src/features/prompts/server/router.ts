import "server-only";
import { createTRPCRouter, projectProcedure } from "~/server/api/trpc";
import { clustersInputSchema, promptsListInputSchema, promptTextInputSchema, similarInputSchema } from "../schemas";
import { listClusters } from "./clusters/list";
import { getEmbedder } from "./embedders";
import { getPromptText } from "./prompt-text";
import { listPrompts } from "./prompts-list";
import { findSimilar } from "./similar";

// Thin: validate, call the feature function with the caller's project and the configured embedder.
export const promptsRouter = createTRPCRouter({
  list: projectProcedure
    .input(promptsListInputSchema)
    .query(({ ctx, input }) => listPrompts(ctx.db, ctx.cursorSecret, ctx.projectId, input)),
  text: projectProcedure.input(promptTextInputSchema).query(({ ctx, input }) => getPromptText(ctx.db, ctx.projectId, input.promptId)),
  similar: projectProcedure
    .input(similarInputSchema)
    .query(({ ctx, input }) => findSimilar(ctx.client, getEmbedder(), ctx.projectId, input)),
  clusters: projectProcedure
    .input(clustersInputSchema)
    .query(({ ctx, input }) => listClusters(ctx.db, ctx.cursorSecret, ctx.projectId, getEmbedder().model, input)),
});
