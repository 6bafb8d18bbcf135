import "server-only";
import { serviceTiersSchema, type PriceEntry } from "../catalog";
import type { modelPrices } from "~/server/db/schema";

type Row = typeof modelPrices.$inferSelect;
type NewRow = typeof modelPrices.$inferInsert;

/** A database row (numeric columns arrive as decimal strings) back to the file/API shape. */
export function rowToEntry(r: Row): PriceEntry {
  const entry: PriceEntry = {
    provider: r.provider,
    model: r.model,
    input: trimZeros(r.input),
    output: trimZeros(r.output),
    effectiveFrom: r.effectiveFrom,
    source: r.source,
  };
  if (r.aliases.length > 0) entry.aliases = r.aliases;
  if (r.cachedInput !== null) entry.cachedInput = trimZeros(r.cachedInput);
  if (r.cacheWrite !== null) entry.cacheWrite = trimZeros(r.cacheWrite);
  if (r.contextWindow !== null) entry.contextWindow = r.contextWindow;
  if (r.serviceTiers !== null) {
    // Written by entryToRow from a validated entry; parsed again so a hand-edited row fails loudly.
    const tiers = serviceTiersSchema.parse(r.serviceTiers);
    if (Object.keys(tiers).length > 0) entry.serviceTiers = tiers;
  }
  if (r.longContextThreshold !== null && r.longContextInput !== null && r.longContextOutput !== null) {
    entry.longContext = {
      thresholdTokens: r.longContextThreshold,
      input: trimZeros(r.longContextInput),
      output: trimZeros(r.longContextOutput),
      ...(r.longContextCachedInput !== null ? { cachedInput: trimZeros(r.longContextCachedInput) } : {}),
      ...(r.longContextCacheWrite !== null ? { cacheWrite: trimZeros(r.longContextCacheWrite) } : {}),
    };
  }
  return entry;
}

export function entryToRow(e: PriceEntry, projectId: string | null, catalogVersion: string | null): NewRow {
  return {
    projectId,
    provider: e.provider,
    model: e.model,
    aliases: e.aliases ? [...e.aliases] : [],
    input: e.input,
    output: e.output,
    cachedInput: e.cachedInput ?? null,
    cacheWrite: e.cacheWrite ?? null,
    longContextThreshold: e.longContext?.thresholdTokens ?? null,
    longContextInput: e.longContext?.input ?? null,
    longContextOutput: e.longContext?.output ?? null,
    longContextCachedInput: e.longContext?.cachedInput ?? null,
    longContextCacheWrite: e.longContext?.cacheWrite ?? null,
    contextWindow: e.contextWindow ?? null,
    serviceTiers: e.serviceTiers ?? null,
    effectiveFrom: e.effectiveFrom,
    source: e.source,
    catalogVersion,
  };
}

function trimZeros(decimal: string): string {
  return decimal.includes(".") ? decimal.replace(/0+$/, "").replace(/\.$/, "") : decimal;
}
