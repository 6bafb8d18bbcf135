import { z } from "zod";
import { listInputSchema, MAX_FILTER_TEXT } from "~/lib/list-filters";

// Inputs of the attribution lists (users, sessions, breakdown), shared by tRPC and the export.

export {
  BREAKDOWN_DIMENSIONS,
  breakdownBySchema,
  groupBySchema,
  METADATA_PREFIX,
  type BreakdownBy,
  type BreakdownDimension,
} from "~/lib/list-filters";
import { breakdownBySchema, type BreakdownBy, METADATA_PREFIX } from "~/lib/list-filters";

export const USER_ORDERS = ["cost", "calls", "lastSeen"] as const;
export type UserOrder = (typeof USER_ORDERS)[number];

export const usersInputSchema = z.intersection(
  listInputSchema,
  z.object({ orderBy: z.enum(USER_ORDERS, { error: `orderBy must be one of ${USER_ORDERS.join(", ")}` }).default("cost") }),
);
export type UsersInput = z.output<typeof usersInputSchema>;

export const sessionsInputSchema = listInputSchema;

export const breakdownInputSchema = z.intersection(listInputSchema, z.object({ by: breakdownBySchema }));
export type BreakdownInput = z.output<typeof breakdownInputSchema>;

/** The key shown for events without the dimension (no user, no tag, no such metadata key…). */
export const NONE_KEY = "(none)";

/** `metadata:<key>` → key; null for the fixed dimensions. */
export function metadataKeyOf(by: BreakdownBy): string | null {
  return by.startsWith(METADATA_PREFIX) ? by.slice(METADATA_PREFIX.length) : null;
}

export const promoteKeyInputSchema = z.object({
  key: z.string().trim().min(1, "key must not be empty").max(MAX_FILTER_TEXT, "key is too long").refine((s) => !s.includes("\0"), "key must not contain NUL characters").transform((s) => s.normalize("NFC")),
});
