import "server-only";
import { breakdownRouter, eventsRouter, featuresRouter, modelsRouter, sessionsRouter, statsRouter, usersRouter } from "~/features/analytics/server";
import { accountRouter, membersRouter } from "~/features/auth/server";
import { alertsRouter, budgetsRouter, channelsRouter } from "~/features/budgets/server";
import { filtersRouter } from "~/features/filters/server";
import { insightsRouter } from "~/features/insights/server";
import { promptsRouter } from "~/features/prompts/server";
import { keysRouter, pricesRouter, projectSettingsRouter, projectsRouter } from "~/features/settings/server";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";

export const appRouter = createTRPCRouter({
  events: eventsRouter,
  features: featuresRouter,
  models: modelsRouter,
  prompts: promptsRouter,
  stats: statsRouter,
  users: usersRouter,
  sessions: sessionsRouter,
  breakdown: breakdownRouter,
  filters: filtersRouter,
  insights: insightsRouter,
  keys: keysRouter,
  prices: pricesRouter,
  projects: projectsRouter,
  projectSettings: projectSettingsRouter,
  account: accountRouter,
  members: membersRouter,
  budgets: budgetsRouter,
  alerts: alertsRouter,
  channels: channelsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
