import { z } from "zod";
import { priceEntrySchema } from "~/features/pricing";

export const createKeyInputSchema = z.object({
  name: z.string().trim().min(1, "name must not be empty").max(100, "name is too long"),
});

export const keyIdInputSchema = z.object({ keyId: z.uuid({ error: "keyId must be a key id" }) });

// Custom prices are the catalog's shape; `source` defaults so a person need not invent one.
export const upsertPriceInputSchema = priceEntrySchema;
export type UpsertPriceInput = z.input<typeof upsertPriceInputSchema>;

export const priceIdInputSchema = z.object({ id: z.number().int().positive() });
