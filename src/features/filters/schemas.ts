import { z } from "zod";

const instant = z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time" }).transform((v) => new Date(v));

/** filters.options: the window whose features, providers and models the filter bar offers. */
export const filterOptionsInputSchema = z
  .object({ from: instant, to: instant })
  .refine((w) => w.from < w.to, { path: ["to"], message: "to must be after from" });
