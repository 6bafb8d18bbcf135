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

// The project time zone (budget periods start at local midnight there): an IANA name.
export const timeZoneSchema = z
  .string()
  .trim()
  .min(1, "timeZone must not be empty")
  .max(64, "timeZone is too long")
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "timeZone must be an IANA time zone such as UTC or America/New_York");
