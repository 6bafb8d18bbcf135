import { z } from "zod";

// Shared by the tRPC lists, the REST exports and the dashboard: one definition of
// "events in this window matching these filters".

export { filtersSchema, type Filters } from "~/lib/list-filters";
import { FILTER_KEYS, filtersSchema, noNul, type Filters } from "~/lib/list-filters";

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
    ...FILTER_KEYS.map((k) => {
      const v = f[k];
      return v instanceof Date ? v.toISOString() : (v ?? null);
    }),
    extra,
  ]);
}
