import { z } from "zod";

// Shared by the tRPC lists, the REST exports and the dashboard: one definition of
// "events in this window matching these filters".

const instant = (name: string) =>
  z
    .union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()], {
      error: `${name} must be an ISO-8601 date-time with a time zone (or a date)`,
    })
    .transform((v) => (v instanceof Date ? v : new Date(v)))
    .refine((d) => !Number.isNaN(d.getTime()), `${name} is not a valid date`);

// PostgreSQL text cannot hold NUL: a filter with one is a 400 naming the field, not a failed query.
const noNul = (field: string) => [(s: string) => !s.includes("\0"), `${field} must not contain NUL characters`] as const;
// As long as ingestion allows (userId and sessionId 256): every stored value can be filtered on.
const name = (field: string, max = 200) =>
  z.string().trim().min(1, `${field} must not be empty`).max(max, `${field} is too long`).refine(...noNul(field));

export const filtersSchema = z
  .object({
    from: instant("from").optional(),
    to: instant("to").optional(),
    feature: z.string().max(200, "feature is too long").refine(...noNul("feature")).optional(), // "" selects calls without a feature
    model: name("model").optional(),
    provider: name("provider").optional(),
    userId: name("userId", 256).optional(),
    status: z.enum(["success", "error"], { error: 'status must be "success" or "error"' }).optional(),
  })
  .refine((f) => !f.from || !f.to || f.from < f.to, { path: ["to"], message: "to must be after from" });

export type Filters = z.output<typeof filtersSchema>;

export const MAX_PAGE = 500; // a page is one index range scan; the UI virtualizes the rest
export const pageSchema = z.object({
  cursor: z.string().max(1024, "cursor is too long").nullish(),
  limit: z.number().int().min(1).max(MAX_PAGE).default(100),
});

export const listInputSchema = z.intersection(filtersSchema, pageSchema);
export type ListInput = z.output<typeof listInputSchema>;

export const promptsListInputSchema = z.intersection(
  listInputSchema,
  z.object({ search: z.string().trim().max(200, "search is too long").refine(...noNul("search")).optional() }),
);
export type PromptsListInput = z.output<typeof promptsListInputSchema>;

export const timeseriesInputSchema = z.intersection(
  listInputSchema,
  z.object({
    bucket: z.enum(["hour", "day"], { error: 'bucket must be "hour" or "day"' }).default("day"),
    groupBy: z.enum(["feature", "model"], { error: 'groupBy must be "feature" or "model"' }).optional(),
  }),
);
export type TimeseriesInput = z.output<typeof timeseriesInputSchema>;

/** Filters in a canonical form, used to bind a cursor to the filter set it was issued for. */
export function filterFingerprint(f: Filters, extra: Record<string, unknown> = {}): string {
  return JSON.stringify([
    f.from?.toISOString() ?? null,
    f.to?.toISOString() ?? null,
    f.feature ?? null,
    f.model ?? null,
    f.provider ?? null,
    f.userId ?? null,
    f.status ?? null,
    extra,
  ]);
}
