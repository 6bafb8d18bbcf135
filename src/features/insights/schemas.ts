import { z } from "zod";
import { filtersSchema } from "~/lib/list-filters";
import { serviceTierSchema } from "~/lib/service-tier";

// Inputs of the insights procedures: the list filters (one contract, src/lib/list-filters.ts)
// plus what each insight needs. Windows are whole UTC days (the rollup's grain); the answer says
// which days it read.

export const MAX_WHAT_IF_TARGETS = 5; // a panel compares a few alternatives, not the catalog

const slug = (field: string) =>
  z.string().trim().min(1, `${field} must not be empty`).max(200, `${field} is too long`).refine((s) => !s.includes("\0"), `${field} must not contain NUL characters`);

export const whatIfTargetSchema = z.object({
  provider: slug("provider"),
  model: slug("model"),
  serviceTier: serviceTierSchema.default("standard"),
});
export type WhatIfTarget = z.output<typeof whatIfTargetSchema>;

export const whatIfInputSchema = z.intersection(
  filtersSchema,
  z.object({
    targets: z
      .array(whatIfTargetSchema)
      .min(1, "targets needs at least one target")
      .max(MAX_WHAT_IF_TARGETS, `targets takes at most ${MAX_WHAT_IF_TARGETS} targets`),
  }),
);
export type WhatIfInput = z.output<typeof whatIfInputSchema>;

export const insightsFiltersSchema = filtersSchema;
