import "server-only";
import { promptsListProcedure } from "~/features/analytics/server/router";
import { createTRPCRouter, projectProcedure } from "~/server/api/trpc";
import { clustersInputSchema, similarInputSchema } from "../schemas";
import { listClusters } from "./clusters/list";
import { getEmbedder } from "./embedders";
import { findSimilar } from "./similar";

// Thin: validate, call the feature function with the caller's project and the configured embedder.
export const promptsRouter = createTRPCRouter({
  list: promptsListProcedure,
  similar: projectProcedure
    .input(similarInputSchema)
    .query(({ ctx, input }) => findSimilar(ctx.client, getEmbedder(), ctx.projectId, input)),
  clusters: projectProcedure
    .input(clustersInputSchema)
    .query(({ ctx, input }) => listClusters(ctx.db, ctx.cursorSecret, ctx.projectId, getEmbedder().model, input)),
});
