import "server-only";
import {
  eventsRouter,
  featuresRouter,
  modelsRouter,
  promptsListProcedure,
  statsRouter,
} from "~/features/analytics/server/router";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  events: eventsRouter,
  features: featuresRouter,
  models: modelsRouter,
  prompts: createTRPCRouter({ list: promptsListProcedure }),
  stats: statsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
