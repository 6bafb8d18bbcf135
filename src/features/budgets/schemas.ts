import { z } from "zod";
import { MAX_FILTER_TEXT, noNul } from "~/lib/list-filters";

// Budgets: one source for the tRPC inputs, the status route's query and their types.

export const BUDGET_SCOPES = ["project", "feature", "model", "provider", "tag", "metadata", "user", "each_user"] as const;
export type BudgetScopeKind = (typeof BUDGET_SCOPES)[number];
export const BUDGET_PERIODS = ["day", "week", "month"] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
export const DEFAULT_THRESHOLDS = [50, 80, 100];

const text = (field: string, max = MAX_FILTER_TEXT) =>
  z
    .string({ error: `${field} must be a string` })
    .trim()
    .min(1, `${field} must not be empty`)
    .max(max, `${field} is too long`)
    .refine(...noNul(field))
    .transform((s) => s.normalize("NFC"));

/** A positive USD amount as an exact decimal string (at most 12 decimals, like every stored cost). */
export const amountSchema = z
  .string({ error: "amountUsd must be a decimal string, e.g. \"100\" or \"12.50\"" })
  .trim()
  .regex(/^\d{1,15}(\.\d{1,12})?$/, "amountUsd must be a decimal string with at most 12 decimals, e.g. \"100\" or \"12.50\"")
  .refine((v) => /[1-9]/.test(v), "amountUsd must be greater than 0");

export const scopeSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("project") }),
    // "" would be calls without a feature; a budget names one.
    z.object({ kind: z.literal("feature"), value: text("scope.value") }),
    z.object({ kind: z.literal("model"), value: text("scope.value") }),
    z.object({ kind: z.literal("provider"), value: text("scope.value") }),
    z.object({ kind: z.literal("tag"), value: text("scope.value") }),
    z.object({ kind: z.literal("metadata"), key: text("scope.key"), value: text("scope.value") }),
    z.object({ kind: z.literal("user"), value: text("scope.value", 256) }),
    // Every end user gets the same budget: alerts name the user.
    z.object({ kind: z.literal("each_user") }),
  ],
  { error: `scope.kind must be one of ${BUDGET_SCOPES.join(", ")}` },
);
export type BudgetScope = z.output<typeof scopeSchema>;

export const thresholdsSchema = z
  .array(z.number().int("thresholds must be whole percents").min(1, "thresholds must be at least 1").max(1000, "thresholds must be at most 1000"))
  .min(1, "thresholds must not be empty")
  .max(10, "at most 10 thresholds")
  .transform((ts) => [...new Set(ts)].sort((a, b) => a - b));

export const budgetInputSchema = z.object({
  name: text("name", 100),
  amountUsd: amountSchema,
  period: z.enum(BUDGET_PERIODS, { error: "period must be day, week or month" }),
  scope: scopeSchema,
  thresholds: thresholdsSchema.default(DEFAULT_THRESHOLDS),
});
export type BudgetInput = z.input<typeof budgetInputSchema>;

export const budgetIdSchema = z.object({ id: z.uuid({ error: "id must be a budget id" }) });
// Up to 30 days; 0 unmutes.
export const muteInputSchema = budgetIdSchema.extend({ hours: z.number().int("hours must be whole hours").min(0).max(720, "hours must be at most 720 (30 days)") });
export const updateBudgetInputSchema = budgetInputSchema.extend(budgetIdSchema.shape);

export const alertIdSchema = z.object({ id: z.string().regex(/^\d{1,18}$/, "id must be an alert id") });
/** A budget alert (default) or an anomaly alert (ids are counted apart): to acknowledge, or list its deliveries. */
export const alertRefSchema = alertIdSchema.extend({
  kind: z.enum(["budget", "anomaly"], { error: "kind must be budget or anomaly" }).default("budget"),
});
export const deliveriesInputSchema = alertRefSchema;
export const ANOMALY_DIMENSIONS = ["feature", "model"] as const;
/** Mutes one feature's or model's anomaly alerts for up to 30 days; 0 unmutes. key "" = calls without a feature. */
export const muteAnomaliesInputSchema = z.object({
  dim: z.enum(ANOMALY_DIMENSIONS, { error: "dim must be feature or model" }),
  key: z
    .string({ error: "key must be a string" })
    .max(MAX_FILTER_TEXT, "key is too long")
    .refine(...noNul("key"))
    .transform((s) => s.normalize("NFC")),
  hours: z.number({ error: "hours must be a number" }).int("hours must be whole hours").min(0, "hours must be at least 0").max(720, "hours must be at most 720 (30 days)"),
});
export const alertsListInputSchema = z.object({
  // A page of the newest alerts; `before` is the last id seen (ids grow with time).
  before: z.string().regex(/^\d{1,18}$/, "before must be an alert id").optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const BUDGET_STATES = ["ok", "warning", "exceeded"] as const;
export type BudgetState = (typeof BUDGET_STATES)[number];

/** GET /api/v1/budgets/status query: the call an app is about to make (all optional). */
export const budgetStatusQuerySchema = z.object({
  userId: text("userId", 256).optional(),
  feature: text("feature").optional(),
  model: text("model").optional(),
  provider: text("provider").optional(),
  // comma-separated in the query string
  tags: z
    .string()
    .max(2000, "tags is too long")
    .transform((s) => s.split(",").map((t) => t.trim().normalize("NFC")).filter((t) => t !== ""))
    .pipe(z.array(z.string().max(MAX_FILTER_TEXT, "a tag is too long").refine(...noNul("tags"))).max(20, "at most 20 tags"))
    .optional(),
});
export type BudgetStatusQuery = z.output<typeof budgetStatusQuerySchema>;

export type Forecast = {
  /** Spend at the end of the period at the current run rate (exact decimal string). */
  periodEndUsd: string;
  /** When the run rate reaches the limit inside this period (ISO), else null. */
  exceedsAt: string | null;
};

export type BudgetStatus = {
  budgetId: string;
  name: string;
  scope: BudgetScope;
  period: BudgetPeriod;
  /** The end user an each_user budget was evaluated for, else null. */
  subject: string | null;
  spent: string;
  limit: string;
  remaining: string;
  state: BudgetState;
  periodStart: string;
  periodEnd: string;
  forecast: Forecast;
};


// Notification channels. Targets are checked again (after DNS) at every send.
const httpUrl = (field: string) =>
  z
    .string({ error: `${field} must be a URL` })
    .trim()
    .max(2000, `${field} is too long`)
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === "https:" || u.protocol === "http:") && u.username === "" && u.password === "";
      } catch {
        return false;
      }
    }, `${field} must be an http(s) URL without credentials`);

export const channelInputSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("webhook"), name: text("name", 100), url: httpUrl("url") }),
    z.object({ kind: z.literal("slack"), name: text("name", 100), url: httpUrl("url") }),
    z.object({
      kind: z.literal("email"),
      name: text("name", 100),
      smtpUrl: z
        .string()
        .trim()
        .max(2000, "smtpUrl is too long")
        .refine((s) => {
          try {
            const u = new URL(s);
            return u.protocol === "smtp:" || u.protocol === "smtps:";
          } catch {
            return false;
          }
        }, "smtpUrl must look like smtp://user:password@host:587 or smtps://host:465"),
      from: z.email({ error: "from must be an e-mail address" }),
      // a handful of people or a list address
      to: z.array(z.email({ error: "to must hold e-mail addresses" })).min(1, "to must not be empty").max(10, "at most 10 recipients"),
    }),
  ],
  { error: "kind must be webhook, slack or email" },
);
export type ChannelInput = z.input<typeof channelInputSchema>;
export const channelIdSchema = z.object({ id: z.uuid({ error: "id must be a channel id" }) });
export const deliveryIdSchema = z.object({ id: z.string().regex(/^\d{1,18}$/, "id must be a delivery id") });
