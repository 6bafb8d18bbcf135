import { z } from "zod";

// The one definition of "events in this window matching these filters": the tRPC lists, the
// export route, the dashboard's URL state and the OpenAPI document all derive from it. A new
// filter is added here (schema + URL name) and nowhere else.

const instant = (name: string) =>
  z
    .union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()], {
      error: `${name} must be an ISO-8601 date-time with a time zone (or a date)`,
    })
    .transform((v) => (v instanceof Date ? v : new Date(v)))
    .refine((d) => !Number.isNaN(d.getTime()), `${name} is not a valid date`);

// PostgreSQL text cannot hold NUL: a filter with one is a 400 naming the field, not a failed query.
export const noNul = (field: string) => [(s: string) => !s.includes("\0"), `${field} must not contain NUL characters`] as const;
export const MAX_FILTER_TEXT = 200;
// Identifiers are stored in NFC (ingestion): a filter typed in another normal form still matches.
const nfc = (s: string) => s.normalize("NFC");
// As long as ingestion allows (userId and sessionId 256): every stored value can be filtered on.
const name = (field: string, max = MAX_FILTER_TEXT) =>
  z.string().trim().min(1, `${field} must not be empty`).max(max, `${field} is too long`).refine(...noNul(field)).transform(nfc);

/** `{key, value}` (tRPC) or `key=value` (query strings): events whose metadata has key = value. */
const metadataFilter = z
  .union(
    [
      z.object({ key: z.string(), value: z.string() }),
      z.string().regex(/^[^=]+=/, "metadata must be key=value").transform((s) => {
        const at = s.indexOf("=");
        return { key: s.slice(0, at), value: s.slice(at + 1) };
      }),
    ],
    { error: "metadata must be {key, value} (or key=value in a query string)" },
  )
  .pipe(
    z.object({
      key: name("metadata.key"),
      value: z.string().max(MAX_FILTER_TEXT, "metadata.value is too long").refine(...noNul("metadata.value")),
    }),
  );
export type MetadataFilter = z.output<typeof metadataFilter>;

/** The query-string form of a filter value (metadata is key=value). */
export function filterParamValue(v: string | MetadataFilter): string {
  return typeof v === "string" ? v : `${v.key}=${v.value}`;
}

/** Filters other than the window, with the query-string name the dashboard uses for each. */
export const DIMENSION_FILTERS = {
  // "" selects calls without a feature.
  feature: { param: "feature", schema: z.string().max(MAX_FILTER_TEXT, "feature is too long").refine(...noNul("feature")).transform(nfc) },
  model: { param: "model", schema: name("model") },
  provider: { param: "provider", schema: name("provider") },
  status: { param: "status", schema: z.enum(["success", "error"], { error: 'status must be "success" or "error"' }) },
  userId: { param: "user", schema: name("userId", 256) },
  sessionId: { param: "session", schema: name("sessionId", 256) },
  tag: { param: "tag", schema: name("tag") },
  metadata: { param: "meta", schema: metadataFilter },
} as const;

export type DimensionKey = keyof typeof DIMENSION_FILTERS;
export const DIMENSION_KEYS = Object.keys(DIMENSION_FILTERS) as DimensionKey[];
/** Every filter key, in a stable order (query strings, fingerprints, OpenAPI). */
export const FILTER_KEYS = ["from", "to", ...DIMENSION_KEYS] as const;

type DimensionValues = { [K in DimensionKey]?: z.output<(typeof DIMENSION_FILTERS)[K]["schema"]> };

const filtersObject = z.object({
  from: instant("from").optional(),
  to: instant("to").optional(),
  feature: DIMENSION_FILTERS.feature.schema.optional(),
  model: DIMENSION_FILTERS.model.schema.optional(),
  provider: DIMENSION_FILTERS.provider.schema.optional(),
  status: DIMENSION_FILTERS.status.schema.optional(),
  userId: DIMENSION_FILTERS.userId.schema.optional(),
  sessionId: DIMENSION_FILTERS.sessionId.schema.optional(),
  tag: DIMENSION_FILTERS.tag.schema.optional(),
  metadata: DIMENSION_FILTERS.metadata.schema.optional(),
} satisfies Record<(typeof FILTER_KEYS)[number], z.ZodType>);

export const filtersSchema = filtersObject.refine((f) => !f.from || !f.to || f.from < f.to, {
  path: ["to"],
  message: "to must be after from",
});
export type Filters = z.output<typeof filtersSchema>;

/** What the lists take from the dashboard (dates as ISO strings so query keys hash the same on both sides). */
export type FilterInput = { from: string; to: string } & DimensionValues;

export const MAX_PAGE = 500; // a page is one index range scan; the UI virtualizes the rest
export const pageSchema = z.object({
  cursor: z.string().max(1024, "cursor is too long").nullish(),
  limit: z.number().int().min(1).max(MAX_PAGE).default(100),
});

export const listInputSchema = z.intersection(filtersSchema, pageSchema);
export type ListInput = z.output<typeof listInputSchema>;

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


// Attribution dimensions: what breakdown.list groups by (`by`), stats.timeseries (`groupBy`) and
// the export of a breakdown (`by`).
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


/** `?by=` / `?group=` value → a dimension (unknown values fall back). */
export function parseBreakdownBy(v: string | null | undefined, fallback: BreakdownBy = "feature"): BreakdownBy {
  if (!v) return fallback;
  if ((BREAKDOWN_DIMENSIONS as readonly string[]).includes(v)) return v as BreakdownBy;
  if (v.startsWith(METADATA_PREFIX) && v.length > METADATA_PREFIX.length && v.length <= METADATA_PREFIX.length + MAX_FILTER_TEXT) return v as BreakdownBy;
  return fallback;
}

