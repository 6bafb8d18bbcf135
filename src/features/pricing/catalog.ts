import { z } from "zod";
// Relative on purpose: this module also runs under plain tsx/vitest without the "~" alias.
import { parseMicroPerM } from "../../lib/money";
import { NON_STANDARD_TIERS, type NonStandardTier } from "../../lib/service-tier";
// A plain JSON import: Next's bundlers, Vite (vitest) and tsx all inline it, while
// `with { type: "json" }` is not understood by every one of them.
import pricesFile from "./prices.json";

/** Providers the shipped catalog prices. Custom (per-project) prices may name any provider. */
export const CATALOG_PROVIDERS = ["openai", "anthropic", "google", "mistral", "deepseek", "xai"] as const;
export type CatalogProvider = (typeof CATALOG_PROVIDERS)[number];

const MAX_THRESHOLD_TOKENS = 100_000_000;

// USD per 1M tokens as a decimal string: strings keep the price exact from file to bigint.
const priceString = z
  .string()
  .regex(/^\d{1,7}(\.\d{1,6})?$/, "price must be a decimal string in USD per 1M tokens with at most 6 decimals");

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "date must be YYYY-MM-DD")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, "date is not a real calendar date");

// Model ids and aliases are stored lowercase so lookups never depend on how a client cased them.
const modelId = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9][a-z0-9._:@/+-]*$/, "model ids are letters, digits and . _ : @ / + -");

function tryMicro(v: string | undefined): bigint | null {
  if (v === undefined) return null;
  try {
    return parseMicroPerM(v);
  } catch {
    return null;
  }
}

const longContextSchema = z
  .object({
    thresholdTokens: z.number().int().positive().max(MAX_THRESHOLD_TOKENS),
    input: priceString,
    output: priceString,
    cachedInput: priceString.optional(),
    cacheWrite: priceString.optional(),
  })
  .strict();

// A service tier's own prices (batch, flex, priority), with the same parts as the standard row.
const tierRatesSchema = z
  .object({
    input: priceString,
    output: priceString,
    cachedInput: priceString.optional(),
    cacheWrite: priceString.optional(),
    longContext: longContextSchema.optional(),
  })
  .strict();
export type TierRatesEntry = z.infer<typeof tierRatesSchema>;

const MAX_CONTEXT_WINDOW = 100_000_000;

export const serviceTiersSchema = z.partialRecord(z.enum(NON_STANDARD_TIERS), tierRatesSchema);

/** One price row: the shipped catalog and custom per-project prices share this shape. */
export const priceEntrySchema = z
  .object({
    provider: z
      .string()
      .trim()
      .toLowerCase()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9._-]*$/, "provider is a lowercase slug"),
    model: modelId,
    aliases: z.array(modelId).max(50).optional(),
    input: priceString,
    output: priceString,
    cachedInput: priceString.optional(),
    cacheWrite: priceString.optional(),
    longContext: longContextSchema.optional(),
    /** The most prompt tokens the model accepts; what-if flags targets smaller than real calls. */
    contextWindow: z.number().int().positive().max(MAX_CONTEXT_WINDOW).optional(),
    /**
     * Prices of the tiers the provider publishes for this row (same effective date). A tier not
     * listed is unpriced for this model: never billed as standard silently.
     */
    serviceTiers: serviceTiersSchema.optional(),
    effectiveFrom: isoDate,
    source: z
      .string()
      .min(1)
      .max(200)
      .refine((s) => !/https?:|:\/\/|www\./i.test(s), "source names the pricing page; no URLs"),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.aliases?.includes(e.model)) {
      ctx.addIssue({ code: "custom", path: ["aliases"], message: "an alias must differ from the model id" });
    }
    // Zod still runs this when a price string failed its regex, so compare only parsable prices.
    const above = (a: string | undefined, b: string) => {
      const x = tryMicro(a);
      const y = tryMicro(b);
      return x !== null && y !== null && x > y;
    };
    // A cache read dearer than a fresh read is always a data-entry error.
    if (above(e.cachedInput, e.input)) {
      ctx.addIssue({ code: "custom", path: ["cachedInput"], message: "cachedInput must not exceed input" });
    }
    const lc = e.longContext;
    if (!lc) return;
    if (above(lc.cachedInput, lc.input)) {
      ctx.addIssue({
        code: "custom",
        path: ["longContext", "cachedInput"],
        message: "cachedInput must not exceed input",
      });
    }
    // Without these, cached tokens above the threshold would silently bill at the full tier input price.
    if (e.cachedInput !== undefined && lc.cachedInput === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["longContext", "cachedInput"],
        message: "longContext needs cachedInput when the base price has one",
      });
    }
    if (e.cacheWrite !== undefined && lc.cacheWrite === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["longContext", "cacheWrite"],
        message: "longContext needs cacheWrite when the base price has one",
      });
    }
  });

export type PriceEntry = z.infer<typeof priceEntrySchema>;

/** The versioned catalog file. Enforces what a lookup table needs: unique rows, unambiguous aliases. */
export const catalogFileSchema = z
  .object({
    version: isoDate,
    currency: z.literal("USD"),
    unit: z.literal("per 1M tokens"),
    models: z.array(priceEntrySchema).min(1),
  })
  .strict()
  .superRefine((file, ctx) => {
    const rows = new Set<string>();
    const names = new Map<string, string>(); // provider:name → model that owns the name
    const claim = (provider: string, name: string, model: string, path: (string | number)[]) => {
      const key = `${provider}:${name}`;
      const owner = names.get(key);
      if (owner !== undefined && owner !== model) {
        ctx.addIssue({ code: "custom", path, message: `${key} is already used by ${owner}` });
      } else {
        names.set(key, model);
      }
    };
    file.models.forEach((e, i) => {
      if (!(CATALOG_PROVIDERS as readonly string[]).includes(e.provider)) {
        ctx.addIssue({ code: "custom", path: ["models", i, "provider"], message: `unknown provider ${e.provider}` });
      }
      const row = `${e.provider}:${e.model}:${e.effectiveFrom}`;
      if (rows.has(row)) ctx.addIssue({ code: "custom", path: ["models", i], message: `duplicate row ${row}` });
      rows.add(row);
      claim(e.provider, e.model, e.model, ["models", i, "model"]);
      e.aliases?.forEach((alias, j) => claim(e.provider, alias, e.model, ["models", i, "aliases", j]));
    });
  });

export type CatalogFile = z.infer<typeof catalogFileSchema>;

/** Long-context prices of a row or of one of its service tiers. */
export type PriceTier = {
  thresholdTokens: number;
  inputMicroPerM: bigint;
  outputMicroPerM: bigint;
  cachedInputMicroPerM: bigint | null;
  cacheWriteMicroPerM: bigint | null;
};

/** The rates one call is billed at: the standard row or one service tier of it. */
export type Rates = {
  inputMicroPerM: bigint;
  outputMicroPerM: bigint;
  cachedInputMicroPerM: bigint | null;
  cacheWriteMicroPerM: bigint | null;
  longContext: PriceTier | null;
};

/**
 * A price ready for arithmetic: bigint micro-dollars per 1M tokens, which is also exactly
 * picodollars per token. Treat as read-only; resolvers share instances between calls.
 */
export type Price = Rates & {
  provider: string;
  model: string;
  contextWindow: number | null;
  serviceTiers: Partial<Record<NonStandardTier, Rates>>;
  /** UTC midnight of the first day the price applies. */
  effectiveFrom: Date;
  source: string;
  /** True when the price came from a project's custom prices rather than the catalog. */
  isOverride: boolean;
};

const optionalMicro = (v: string | undefined): bigint | null => (v === undefined ? null : parseMicroPerM(v));

function toRates(r: TierRatesEntry): Rates {
  const lc = r.longContext;
  return Object.freeze({
    inputMicroPerM: parseMicroPerM(r.input),
    outputMicroPerM: parseMicroPerM(r.output),
    cachedInputMicroPerM: optionalMicro(r.cachedInput),
    cacheWriteMicroPerM: optionalMicro(r.cacheWrite),
    longContext: lc
      ? Object.freeze({
          thresholdTokens: lc.thresholdTokens,
          inputMicroPerM: parseMicroPerM(lc.input),
          outputMicroPerM: parseMicroPerM(lc.output),
          cachedInputMicroPerM: optionalMicro(lc.cachedInput),
          cacheWriteMicroPerM: optionalMicro(lc.cacheWrite),
        })
      : null,
  });
}

/** Converts a validated entry to its bigint form. */
export function toPrice(entry: PriceEntry, isOverride = false): Price {
  const tiers: Partial<Record<NonStandardTier, Rates>> = {};
  for (const t of NON_STANDARD_TIERS) {
    const r = entry.serviceTiers?.[t];
    if (r) tiers[t] = toRates(r);
  }
  return Object.freeze({
    provider: entry.provider,
    model: entry.model,
    ...toRates(entry),
    contextWindow: entry.contextWindow ?? null,
    serviceTiers: Object.freeze(tiers),
    effectiveFrom: new Date(`${entry.effectiveFrom}T00:00:00.000Z`),
    source: entry.source,
    isOverride,
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

let cached: CatalogFile | undefined;

/**
 * The shipped catalog file, validated once per process (a bad file fails loudly at first use)
 * and frozen, because every caller shares the same parsed rows.
 */
export function loadCatalogFile(): CatalogFile {
  cached ??= deepFreeze(catalogFileSchema.parse(pricesFile));
  return cached;
}

/** The shipped catalog's price rows (a fresh array; the rows themselves are frozen). */
export function loadCatalog(): PriceEntry[] {
  return [...loadCatalogFile().models];
}

/** Version of the shipped catalog (its `version` date), stored with synced rows. */
export function catalogVersion(): string {
  return loadCatalogFile().version;
}
