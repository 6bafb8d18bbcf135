import { z } from "zod";

// Shared by the tRPC lists, the REST exports and the dashboard: one definition of
// "events in this window matching these filters".

export { filterFingerprint, filtersSchema, listInputSchema, MAX_PAGE, pageSchema, type Filters, type ListInput } from "~/lib/list-filters";
import { listInputSchema } from "~/lib/list-filters";
import { groupBySchema } from "./attribution-schemas";

export const timeseriesInputSchema = z.intersection(
  listInputSchema,
  z.object({
    bucket: z.enum(["hour", "day"], { error: 'bucket must be "hour" or "day"' }).default("day"),
    // feature | model | provider | user | session | tag | metadata:<key>
    groupBy: groupBySchema.optional(),
  }),
);
export type TimeseriesInput = z.output<typeof timeseriesInputSchema>;
