import superjson from "superjson";

/**
 * The tRPC transformer: superjson on the wire, with a fast path for outputs that are plain JSON
 * already (strings, finite numbers, booleans, null, arrays and plain objects — every list page):
 * they go out as superjson's own `{ json }` form without superjson's walk, which allocates a
 * path per value and cost ~1.6 ms per 100-event page. Anything else (Date, bigint, Map,
 * undefined, -0, NaN…) takes superjson's path, so the client's superjson.deserialize reads both.
 */
export const transformer = {
  serialize: (value: unknown): unknown => (isPlainJson(value, 0) ? { json: value } : superjson.serialize(value)),
  deserialize: (value: unknown): unknown => superjson.deserialize(value as Parameters<typeof superjson.deserialize>[0]),
};

// Past this depth the value takes superjson's path (which handles or refuses it as before).
const MAX_DEPTH = 64;
// superjson refuses these keys (prototype pollution): left to it, so it still does.
const REFUSED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Whether JSON.stringify then JSON.parse gives back exactly this value. */
export function isPlainJson(v: unknown, depth: number): boolean {
  if (v === null) return true;
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0);
    case "object":
      break;
    default:
      return false;
  }
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!(i in v) || !isPlainJson(v[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in v) {
    if (REFUSED_KEYS.has(key) || !isPlainJson((v as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}
