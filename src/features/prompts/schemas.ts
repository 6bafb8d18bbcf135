import { z } from "zod";
import { filtersSchema, listInputSchema, noNul, pageSchema } from "~/lib/list-filters";

// Inputs of prompts.similar and prompts.clusters, shared by the server, the dashboard and the docs.

const MAX_BIGINT = 9_223_372_036_854_775_807n; // ids are bigint: a larger number is no id (and no 500)
/** A prompt id as every procedure takes it (prompts.text too: one source, no 500 past bigint). */
export const promptIdSchema = z
  .union([z.string().regex(/^[1-9]\d{0,18}$/, "promptId must be a prompt id (digits)"), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)], {
    error: "promptId must be a prompt id",
  })
  .transform(String)
  .refine((v) => BigInt(v) <= MAX_BIGINT, "promptId is out of range");

/** prompts.text: the full stored text of one prompt (the event drawer and the prompt panel). */
export const promptTextInputSchema = z.object({ promptId: promptIdSchema });

export const promptsListInputSchema = z.intersection(
  listInputSchema,
  z.object({ search: z.string().trim().max(200, "search is too long").refine(...noNul("search")).optional() }),
);
export type PromptsListInput = z.output<typeof promptsListInputSchema>;

export const similarInputSchema = z.object({
  promptId: promptIdSchema,
  minSimilarity: z.number().min(0, "minSimilarity must be between 0 and 1").max(1, "minSimilarity must be between 0 and 1").default(0.8),
  // A handful of look-alikes answers "is this a variant of something we already pay for"; the
  // clusters list is the way to see them all.
  limit: z.number().int().min(1, "limit must be between 1 and 50").max(50, "limit must be between 1 and 50").default(10),
});
export type SimilarInput = z.output<typeof similarInputSchema>;

/** Edges below this similarity are not stored by the worker, so clusters cannot go lower. */
export const MIN_CLUSTER_SIMILARITY = 0.75;
const DAY_SECONDS = 86_400;

export const clustersInputSchema = z.intersection(
  z.intersection(filtersSchema, pageSchema),
  z.object({
    minSimilarity: z
      .number()
      .min(MIN_CLUSTER_SIMILARITY, `minSimilarity must be between ${MIN_CLUSTER_SIMILARITY} and 1`)
      .max(1, `minSimilarity must be between ${MIN_CLUSTER_SIMILARITY} and 1`)
      .default(0.8)
      .describe("two prompts are near-duplicates when their embeddings' cosine similarity is at least this"),
    cacheTtlSeconds: z
      .number()
      .int()
      .min(1, "cacheTtlSeconds must be between 1 and 604800")
      .max(7 * DAY_SECONDS, "cacheTtlSeconds must be between 1 and 604800")
      .default(3600)
      .describe("lifetime of a cached answer in the savings simulation"),
  }),
);
export type ClustersInput = z.output<typeof clustersInputSchema>;
