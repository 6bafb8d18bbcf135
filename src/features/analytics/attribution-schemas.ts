import { z } from "zod";
import { listInputSchema, MAX_FILTER_TEXT } from "~/lib/list-filters";

// Inputs of the attribution lists (users, sessions, breakdown), shared by tRPC and the export.

export const BREAKDOWN_DIMENSIONS = ["feature", "model", "provider", "user", "session", "tag"] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];
/** A dimension or `metadata:<key>` for any metadata key. */
export type BreakdownBy = BreakdownDimension | `metadata:${string}`;
export const METADATA_PREFIX = "metadata:";

const dimensionSchema = (field: string) => z
  .string({ error: `${field} must be one of feature, model, provider, user, session, tag or "metadata:<key>"` })
  .refine(
    (v) =>
      (BREAKDOWN_DIMENSIONS as readonly string[]).includes(v) ||
      (v.startsWith(METADATA_PREFIX) && v.length > METADATA_PREFIX.length && v.length <= METADATA_PREFIX.length + MAX_FILTER_TEXT && !v.includes("\0")),
    `${field} must be one of feature, model, provider, user, session, tag or "metadata:<key>"`,
  )
  .transform((v) => v.normalize("NFC") as BreakdownBy);
export const breakdownBySchema = dimensionSchema("by");
export const groupBySchema = dimensionSchema("groupBy");

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
