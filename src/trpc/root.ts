import "server-only";
import {
  eventsRouter,
  featuresRouter,
  modelsRouter,
  statsRouter,
} from "~/features/analytics/server/router";
import { accountRouter, membersRouter } from "~/features/auth/server/router";
import { dashboardRouter } from "~/features/analytics/server/dashboard-router";
import { promptsRouter } from "~/features/prompts/server/router";
import { keysRouter, pricesRouter, projectsRouter } from "~/features/settings/server/router";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";

export const appRouter = createTRPCRouter({
  events: eventsRouter,
  features: featuresRouter,
  models: modelsRouter,
  prompts: promptsRouter,
  stats: statsRouter,
  keys: keysRouter,
  prices: pricesRouter,
  projects: projectsRouter,
  dashboard: dashboardRouter,
  account: accountRouter,
  members: membersRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
