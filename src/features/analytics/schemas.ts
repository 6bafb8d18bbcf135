import { z } from "zod";

// Shared by the tRPC lists, the REST exports and the dashboard: one definition of
// "events in this window matching these filters".

export { filterFingerprint, filtersSchema, listInputSchema, MAX_PAGE, pageSchema, type Filters, type ListInput } from "~/lib/list-filters";
import { listInputSchema } from "~/lib/list-filters";

export const timeseriesInputSchema = z.intersection(
  listInputSchema,
  z.object({
    bucket: z.enum(["hour", "day"], { error: 'bucket must be "hour" or "day"' }).default("day"),
    groupBy: z.enum(["feature", "model"], { error: 'groupBy must be "feature" or "model"' }).optional(),
  }),
);
export type TimeseriesInput = z.output<typeof timeseriesInputSchema>;
