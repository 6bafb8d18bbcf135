// Budgets, server surface: the routers, the evaluator (started by src/startup/start-server.ts)
// and the status read behind GET /api/v1/budgets/status.
export { alertsRouter, budgetsRouter, channelsRouter } from "./router";
export { createChannel, listDeliveries, redeliver } from "./notify/channels";
export { deliverDue, type DeliverOptions } from "./notify/deliver";
export { verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./notify/message";
export { isPrivateAddress, vetHost } from "./notify/target";
export { createBudget, listBudgets, muteBudget } from "./budgets";
export { evaluateOnce, type EvaluateOptions, type RaisedAlert, type TickResult } from "./evaluator";
export { acquireLease, leaseStillHeld, releaseLease } from "./lease";
export { leaseMsFor, startBudgetEvaluator, type BudgetEvaluator } from "./worker";
export { budgetOverview, budgetStatus } from "./status";
export { listAlerts, acknowledgeAlert } from "./alerts";
export { detectAllAnomalies, detectAnomalies, listAnomalies, muteAnomalies, type AnomalyFence } from "./anomalies";
export { monthForecast, type ForecastAnswer } from "./forecast";
