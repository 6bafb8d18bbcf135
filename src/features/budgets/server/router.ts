import "server-only";
import { createTRPCRouter, managerProcedure, projectProcedure } from "~/server/api/trpc";
import { alertIdSchema, alertsListInputSchema, budgetIdSchema, budgetInputSchema, updateBudgetInputSchema } from "../schemas";
import { acknowledgeAlert, listAlerts, unacknowledgedCount } from "./alerts";
import { createBudget, deleteBudget, getBudget, listBudgets, updateBudget } from "./budgets";
import { budgetOverview } from "./status";

// Thin: everyone on the project reads; owners and members (never viewers or API keys) change.
export const budgetsRouter = createTRPCRouter({
  list: projectProcedure.query(({ ctx }) => listBudgets(ctx.db, ctx.projectId)),
  get: projectProcedure.input(budgetIdSchema).query(({ ctx, input }) => getBudget(ctx.db, ctx.projectId, input.id)),
  status: projectProcedure.query(({ ctx }) => budgetOverview(ctx.db, ctx.projectId)),
  create: managerProcedure.input(budgetInputSchema).mutation(({ ctx, input }) => createBudget(ctx.db, ctx.projectId, input)),
  update: managerProcedure.input(updateBudgetInputSchema).mutation(({ ctx, input }) => updateBudget(ctx.db, ctx.projectId, input.id, input)),
  delete: managerProcedure.input(budgetIdSchema).mutation(({ ctx, input }) => deleteBudget(ctx.db, ctx.projectId, input.id)),
});

export const alertsRouter = createTRPCRouter({
  list: projectProcedure.input(alertsListInputSchema).query(({ ctx, input }) => listAlerts(ctx.db, ctx.projectId, input)),
  unacknowledged: projectProcedure.query(({ ctx }) => unacknowledgedCount(ctx.db, ctx.projectId)),
  acknowledge: managerProcedure
    .input(alertIdSchema)
    .mutation(({ ctx, input }) => acknowledgeAlert(ctx.db, ctx.projectId, input.id, ctx.principal.kind === "user" ? ctx.principal.email : "api key")),
});
