import "server-only";
import { eq, isNull } from "drizzle-orm";
import type { Db } from "~/server/db";
import { modelPrices } from "~/server/db/schema";
import type { Price } from "../catalog";
import { createPriceResolver } from "../resolve";
import { rowToEntry } from "./price-rows";

export type Pricer = (provider: string, model: string, at: Date) => Price | null;

// Prices change rarely: each process keeps them for a short while instead of querying per batch.
// A custom price saved on one instance reaches every instance within CACHE_MS.
const CACHE_MS = 30_000;
const MAX_PROJECTS = 1000;

type Cached<T> = { at: number; value: T };
let catalogCache: Cached<ReturnType<typeof rowToEntry>[]> | null = null;
const projectCache = new Map<string, Cached<Pricer>>();

async function catalogEntries(db: Db) {
  if (catalogCache && Date.now() - catalogCache.at < CACHE_MS) return catalogCache.value;
  const rows = await db.select().from(modelPrices).where(isNull(modelPrices.projectId));
  catalogCache = { at: Date.now(), value: rows.map(rowToEntry) };
  return catalogCache.value;
}

export async function getPricer(db: Db, projectId: string): Promise<Pricer> {
  const hit = projectCache.get(projectId);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
  const [catalog, overrides] = await Promise.all([
    catalogEntries(db),
    db.select().from(modelPrices).where(eq(modelPrices.projectId, projectId)),
  ]);
  const resolver = createPriceResolver(catalog, overrides.map(rowToEntry));
  const pricer: Pricer = (provider, model, at) => resolver.resolve(provider, model, at);
  if (projectCache.size >= MAX_PROJECTS) projectCache.clear();
  projectCache.set(projectId, { at: Date.now(), value: pricer });
  return pricer;
}

/** Forget cached prices (after a price change in this process, and in tests). */
export function invalidatePrices(projectId?: string): void {
  if (projectId) projectCache.delete(projectId);
  else {
    projectCache.clear();
    catalogCache = null;
  }
}
