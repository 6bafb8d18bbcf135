import { EVENT_COLUMNS } from "~/lib/event-columns";
import { col, TOKENS_AND_COST, type Column } from "~/lib/columns";
import type { ExportKind } from "./schemas";

export type { Column, ColumnKind } from "~/lib/columns";
export { EVENT_COLUMNS };

/** The Metrics of src/features/analytics/server/usage-sql.ts plus p95, in list order. */
export const METRIC_COLUMNS: readonly Column[] = [
  col("calls", "integer"),
  col("errors", "integer"),
  col("errorRate", "number"),
  col("unpricedCalls", "integer"),
  ...TOKENS_AND_COST,
  col("avgLatencyMs", "integer"),
  col("p95LatencyMs", "integer"),
];

// FinOps Open Cost and Usage Specification (FOCUS) 1.0 columns the LLM-spend export fills, in
// file order. Custom columns carry the spec's `x_` prefix. Values: export/server/focus.ts.
export const FOCUS_COLUMNS: readonly Column[] = [
  col("BilledCost", "decimal"),
  col("BillingAccountId", "text"),
  col("BillingAccountName", "text"),
  col("BillingCurrency", "text"),
  col("BillingPeriodStart", "timestamp"),
  col("BillingPeriodEnd", "timestamp"),
  col("ChargeCategory", "text"),
  col("ChargeClass", "text"),
  col("ChargeDescription", "text"),
  col("ChargeFrequency", "text"),
  col("ChargePeriodStart", "timestamp"),
  col("ChargePeriodEnd", "timestamp"),
  col("ConsumedQuantity", "decimal"),
  col("ConsumedUnit", "text"),
  col("ContractedCost", "decimal"),
  col("ContractedUnitPrice", "decimal"),
  col("EffectiveCost", "decimal"),
  col("InvoiceIssuerName", "text"),
  col("ListCost", "decimal"),
  col("ListUnitPrice", "decimal"),
  col("PricingCategory", "text"),
  col("PricingQuantity", "decimal"),
  col("PricingUnit", "text"),
  col("ProviderName", "text"),
  col("PublisherName", "text"),
  col("ServiceCategory", "text"),
  col("ServiceName", "text"),
  col("SkuId", "text"),
  col("SkuPriceId", "text"),
  col("Tags", "json"),
  col("x_Feature", "text"),
  col("x_Model", "text"),
  col("x_ServiceTier", "text"),
  col("x_TokenType", "text"),
  col("x_LongContext", "boolean"),
  col("x_Calls", "integer"),
];
/** The Metrics without p95 (attribution lists carry no per-group histogram). */
const ATTRIBUTION_METRICS: readonly Column[] = METRIC_COLUMNS.filter((c) => c.name !== "p95LatencyMs");
const SEEN: readonly Column[] = [col("firstSeen", "timestamp"), col("lastSeen", "timestamp")];

export const COLUMNS: Record<ExportKind, readonly Column[]> = {
  focus: FOCUS_COLUMNS,
  events: EVENT_COLUMNS,
  features: [col("feature", "text"), ...METRIC_COLUMNS],
  models: [col("provider", "text"), col("model", "text"), ...METRIC_COLUMNS],
  // The prompts list shows a 300-character preview; the export carries the full text.
  prompts: [
    col("id", "id"),
    col("text", "text"),
    col("length", "integer"),
    col("truncated", "boolean"),
    col("firstSeen", "timestamp"),
    col("lastSeen", "timestamp"),
    ...METRIC_COLUMNS,
  ],
  users: [col("userId", "text"), ...ATTRIBUTION_METRICS, ...SEEN, col("topFeature", "text"), col("topModel", "text")],
  sessions: [
    col("sessionId", "text"),
    col("userId", "text"),
    col("calls", "integer"),
    col("errors", "integer"),
    col("costUsd", "decimal"),
    col("inputTokens", "integer"),
    col("outputTokens", "integer"),
    ...SEEN,
    col("durationMs", "integer"),
    col("firstInputTokens", "integer"),
    col("lastInputTokens", "integer"),
    col("promptGrowth", "number"),
  ],
  // key "(none)" with none = true: events without the dimension.
  breakdown: [col("key", "text"), col("none", "boolean"), ...ATTRIBUTION_METRICS, ...SEEN],
};

/** A database scalar as text: strings as they are, numbers and bigints in their own notation. */
export function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return value.toString();
  return JSON.stringify(value) ?? "";
}
