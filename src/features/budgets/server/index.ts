// Budgets, server surface: the routers, the evaluator (started by src/startup/start-server.ts)
// and the status read behind GET /api/v1/budgets/status.
export { alertsRouter, budgetsRouter } from "./router";
export { createBudget, listBudgets } from "./budgets";
export { evaluateOnce, type EvaluateOptions, type RaisedAlert, type TickResult } from "./evaluator";
export { acquireLease, leaseStillHeld, releaseLease } from "./lease";
export { leaseMsFor, startBudgetEvaluator, type BudgetEvaluator } from "./worker";
export { budgetOverview, budgetStatus } from "./status";
export { listAlerts, acknowledgeAlert } from "./alerts";
