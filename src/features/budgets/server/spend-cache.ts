import "server-only";

/*
 * The evaluator's cache of spend on complete UTC days and on today's hours up to the one before the
 * current hour (spend.ts). A tick re-reads only the previous and current hours: a month of an
 * "each user" budget over 100k users is ~3M rollup rows, today's hours ~100k by the evening. Entries
 * live 10 minutes, so a late event timestamped on an earlier day or hour, or a repricing, reaches
 * alerts within that; budget status for apps never uses the cache.
 */

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 200;
// Keys held over all entries (a month of 100k users is one entry of 100k): bounds the memory.
const MAX_KEYS = 2_000_000;

type Entry = { at: number; spend: Map<string, bigint> };
const cache = new Map<string, Entry>();

export function cachedClosedSpend(key: string, now = Date.now()): Map<string, bigint> | null {
  const e = cache.get(key);
  if (!e || now - e.at > TTL_MS) return null;
  return e.spend;
}

export function storeClosedSpend(key: string, spend: Map<string, bigint>, now = Date.now()): void {
  let held = spend.size;
  for (const e of cache.values()) held += e.spend.size;
  if (cache.size >= MAX_ENTRIES || held > MAX_KEYS) {
    for (const [k, e] of cache) if (now - e.at > TTL_MS) cache.delete(k);
    held = spend.size;
    for (const e of cache.values()) held += e.spend.size;
    if (cache.size >= MAX_ENTRIES || held > MAX_KEYS) cache.clear();
  }
  cache.set(key, { at: now, spend });
}

/** Tests and a new lease holder start from the database again. */
export function clearSpendCache(): void {
  cache.clear();
}
