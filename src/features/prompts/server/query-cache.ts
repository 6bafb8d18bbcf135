import "server-only";
import { createHash } from "node:crypto";
import { getRedis } from "~/server/redis";
import type { Embedder } from "./embedders/types";

// Query embeddings (a prompt searched before the worker reached it) are cached for an hour:
// in Redis when configured, so every instance shares them, else in a small in-process LRU.
export const QUERY_CACHE_SECONDS = 3600;
const LRU_MAX = 500;

type Entry = { vector: Float32Array; expires: number };
declare global {
  // On globalThis: one per process even when Next evaluates this module more than once.
  var acpQueryEmbeddings: Map<string, Entry> | undefined;
}
const globalForCache = globalThis;

function lru(): Map<string, Entry> {
  globalForCache.acpQueryEmbeddings ??= new Map();
  return globalForCache.acpQueryEmbeddings;
}

function cacheKey(model: string, text: string): string {
  return `acp:qemb:${model}:${createHash("sha256").update(text, "utf8").digest("base64url")}`;
}

const toBase64 = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");

function fromBase64(s: string, dims: number): Float32Array | null {
  const buf = Buffer.from(s, "base64");
  if (buf.length !== dims * 4) return null;
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = buf.readFloatLE(i * 4);
  return v;
}

/** The embedding of `text`, from the cache or the embedder (then cached). Redis errors fall back to the LRU. */
export async function embedQuery(embedder: Embedder, text: string, now = Date.now()): Promise<Float32Array> {
  const key = cacheKey(embedder.model, text);
  const redis = getRedis();
  if (redis) {
    const hit = await redis.get(key).catch(() => null);
    const v = hit === null ? null : fromBase64(hit, embedder.dimensions);
    if (v) return v;
  } else {
    const entry = lru().get(key);
    if (entry && entry.expires > now) {
      lru().delete(key); // re-insert: Map order is the recency order
      lru().set(key, entry);
      return entry.vector;
    }
  }
  const [vector] = await embedder.embed([text]);
  if (!vector) throw new Error("the embedder returned no vector");
  if (redis) {
    await redis.set(key, toBase64(vector), "EX", QUERY_CACHE_SECONDS).catch(() => undefined);
  } else {
    const cache = lru();
    cache.set(key, { vector, expires: now + QUERY_CACHE_SECONDS * 1000 });
    while (cache.size > LRU_MAX) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
  }
  return vector;
}

/** Test hook: forget the in-process entries. */
export function clearQueryCache(): void {
  lru().clear();
}
