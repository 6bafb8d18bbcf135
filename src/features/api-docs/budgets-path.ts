import { BUDGET_PERIODS, BUDGET_SCOPES, BUDGET_STATES } from "~/features/budgets";

// GET /api/v1/budgets/status in the OpenAPI document (src/features/api-docs/openapi.ts).
const decimal = { type: "string", pattern: "^\\d+\\.\\d{12}$", description: "exact USD decimal" };

export const budgetStatusSchema = {
  type: "object",
  properties: {
    budgetId: { type: "string", format: "uuid" },
    name: { type: "string" },
    scope: {
      type: "object",
      properties: { kind: { type: "string", enum: [...BUDGET_SCOPES] }, key: { type: "string" }, value: { type: "string" } },
      required: ["kind"],
    },
    period: { type: "string", enum: [...BUDGET_PERIODS] },
    subject: { type: "string", nullable: true, description: "the end user an each_user budget was evaluated for" },
    spent: decimal,
    limit: decimal,
    remaining: decimal,
    state: { type: "string", enum: [...BUDGET_STATES] },
    periodStart: { type: "string", format: "date-time" },
    periodEnd: { type: "string", format: "date-time" },
    forecast: {
      type: "object",
      properties: {
        periodEndUsd: { ...decimal, description: "spend at the period's end at the run rate so far" },
        exceedsAt: { type: "string", format: "date-time", nullable: true, description: "when that rate reaches the limit, if inside this period" },
      },
      required: ["periodEndUsd", "exceedsAt"],
    },
  },
  required: ["budgetId", "name", "scope", "period", "subject", "spent", "limit", "remaining", "state", "periodStart", "periodEnd", "forecast"],
};

const param = (name: string, description: string, maxLength = 200) => ({ name, in: "query", required: false, description, schema: { type: "string", maxLength } });

export function budgetStatusPath(error: (d: string) => unknown) {
  return {
    get: {
      summary: "Budgets a call counts against, with their spend this period",
      description:
        "Project budgets always match; feature, model, provider, user and tag budgets match the given values; each_user " +
        "budgets match when userId is given and are evaluated for that user. Spend is exact (rollups + unfolded events).",
      parameters: [
        param("userId", "the end user of the call", 256),
        param("feature", "the feature of the call"),
        param("model", "the model of the call"),
        param("provider", "the provider of the call"),
        param("tags", "comma-separated tags of the call (at most 20)", 2000),
      ],
      responses: {
        "200": {
          description: "matching budgets",
          content: {
            "application/json": {
              schema: { type: "object", properties: { budgets: { type: "array", items: { $ref: "#/components/schemas/BudgetStatus" } } }, required: ["budgets"] },
            },
          },
        },
        "400": error("invalid parameter (issues name it)"),
        "401": error("missing, malformed, unknown or revoked API key"),
        "429": error("rate limited; see Retry-After"),
        "503": error("storage unavailable; see Retry-After"),
      },
    },
  };
}
