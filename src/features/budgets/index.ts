// Budgets, client-safe surface: input schemas and the types the status route and pages share.
export {
  BUDGET_PERIODS,
  BUDGET_SCOPES,
  BUDGET_STATES,
  DEFAULT_THRESHOLDS,
  budgetInputSchema,
  budgetStatusQuerySchema,
  type BudgetInput,
  type BudgetPeriod,
  type BudgetScope,
  type BudgetState,
  type BudgetStatus,
  type BudgetStatusQuery,
  type Forecast,
} from "./schemas";
export { BudgetsView } from "./components/budgets-view";
export { AlertsView } from "./components/alerts-view";
export { AlertBadge } from "./components/alert-badge";
export { BudgetCards } from "./components/overview-cards";
