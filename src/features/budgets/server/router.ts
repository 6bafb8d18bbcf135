import "server-only";
import { env } from "~/env";
import { createTRPCRouter, managerProcedure, projectProcedure } from "~/server/api/trpc";
import {
  alertRefSchema,
  alertsListInputSchema,
  budgetIdSchema,
  budgetInputSchema,
  channelIdSchema,
  channelInputSchema,
  deliveriesInputSchema,
  deliveryIdSchema,
  muteAnomaliesInputSchema,
  muteInputSchema,
  updateBudgetInputSchema,
} from "../schemas";
import { createChannel, deleteChannel, listChannels, listDeliveries, redeliver } from "./notify/channels";
import { acknowledgeAlert, listAlerts, unacknowledgedCount } from "./alerts";
import { listAnomalies, muteAnomalies } from "./anomalies";
import { monthForecast } from "./forecast";
import { createBudget, deleteBudget, getBudget, listBudgets, muteBudget, updateBudget } from "./budgets";
import { budgetOverview } from "./status";

// Thin: everyone on the project reads; owners and members (never viewers or API keys) change.
export const budgetsRouter = createTRPCRouter({
  list: projectProcedure.query(({ ctx }) => listBudgets(ctx.db, ctx.projectId)),
  get: projectProcedure.input(budgetIdSchema).query(({ ctx, input }) => getBudget(ctx.db, ctx.projectId, input.id)),
  status: projectProcedure.query(({ ctx }) => budgetOverview(ctx.db, ctx.projectId)),
  forecast: projectProcedure.query(({ ctx }) => monthForecast(ctx.db, ctx.projectId)),
  create: managerProcedure.input(budgetInputSchema).mutation(({ ctx, input }) => createBudget(ctx.db, ctx.projectId, input)),
  update: managerProcedure.input(updateBudgetInputSchema).mutation(({ ctx, input }) => updateBudget(ctx.db, ctx.projectId, input.id, input)),
  delete: managerProcedure.input(budgetIdSchema).mutation(({ ctx, input }) => deleteBudget(ctx.db, ctx.projectId, input.id)),
  mute: managerProcedure.input(muteInputSchema).mutation(({ ctx, input }) => muteBudget(ctx.db, ctx.projectId, input.id, input.hours)),
});

export const alertsRouter = createTRPCRouter({
  list: projectProcedure.input(alertsListInputSchema).query(({ ctx, input }) => listAlerts(ctx.db, ctx.projectId, input)),
  anomalies: projectProcedure.query(({ ctx }) => listAnomalies(ctx.db, ctx.projectId, 100)),
  unacknowledged: projectProcedure.query(({ ctx }) => unacknowledgedCount(ctx.db, ctx.projectId)),
  deliveries: projectProcedure.input(deliveriesInputSchema).query(({ ctx, input }) => listDeliveries(ctx.db, ctx.projectId, input.id, input.kind)),
  muteAnomalies: managerProcedure.input(muteAnomaliesInputSchema).mutation(({ ctx, input }) => muteAnomalies(ctx.db, ctx.projectId, input.dim, input.key, input.hours)),
  redeliver: managerProcedure.input(deliveryIdSchema).mutation(({ ctx, input }) => redeliver(ctx.db, ctx.projectId, input.id)),
  acknowledge: managerProcedure
    .input(alertRefSchema)
    .mutation(({ ctx, input }) => acknowledgeAlert(ctx.db, ctx.projectId, input.id, ctx.principal.kind === "user" ? ctx.principal.email : "api key", input.kind)),
});

// Channel targets can carry secrets (a Slack webhook URL is one): managers only, even to read.
export const channelsRouter = createTRPCRouter({
  list: managerProcedure.query(({ ctx }) => listChannels(ctx.db, ctx.projectId)),
  create: managerProcedure.input(channelInputSchema).mutation(({ ctx, input }) => createChannel(ctx.db, ctx.projectId, input, env.NOTIFY_ALLOW_PRIVATE_TARGETS)),
  delete: managerProcedure.input(channelIdSchema).mutation(({ ctx, input }) => deleteChannel(ctx.db, ctx.projectId, input.id)),
});
