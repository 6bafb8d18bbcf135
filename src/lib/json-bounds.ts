// Bounds for client JSON, checked without recursion. JSON.parse itself is iterative, but
// JSON.stringify, superjson, zod and our own cleaning walk values recursively: a value nested a few
// thousand levels deep (a few KiB of "[[[[") overflowed the stack in them, on ingest and — worse —
// on every later read of the stored event. So depth is checked first, here, with an explicit stack.

/** Nesting allowed inside event metadata and similar client objects: tags and small records, not trees. */
export const MAX_JSON_DEPTH = 20;
/** Nesting allowed in a whole request body (envelope + batch + event + a field's own depth). */
export const MAX_BODY_DEPTH = 32;

export type JsonBoundIssue = { path: string; message: string };

type Frame = { value: unknown; depth: number; parent: Frame | null; key: string };

function pathOf(frame: Frame, root: string): string {
  const keys: string[] = [];
  for (let f: Frame | null = frame; f?.parent; f = f.parent) keys.push(f.key);
  keys.reverse();
  // The first levels name the field; a path thousands of keys long would only bloat the answer.
  const shown = keys.slice(0, 8);
  const joined = [root, ...shown].filter((k) => k !== "").join(".");
  return keys.length > shown.length ? `${joined}…` : joined || "(body)";
}

/**
 * The first place where `value` nests deeper than `maxDepth` (an object or array counts one level;
 * a scalar none), as an issue naming that path under `root`; null when within bounds.
 */
export function jsonDepthIssue(value: unknown, maxDepth: number, root = ""): JsonBoundIssue | null {
  const stack: Frame[] = [{ value, depth: 0, parent: null, key: root }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const v = frame.value;
    if (typeof v !== "object" || v === null) continue;
    const depth = frame.depth + 1;
    if (depth > maxDepth) {
      return { path: pathOf(frame, root), message: `must be nested at most ${maxDepth} levels deep` };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth, parent: frame, key: String(i) });
    } else {
      for (const [k, child] of Object.entries(v)) stack.push({ value: child, depth, parent: frame, key: k });
    }
  }
  return null;
}

/** jsonDepthIssue(value, maxDepth) === null, without building paths: for the common, valid case. */
export function withinDepth(value: unknown, maxDepth: number): boolean {
  if (typeof value !== "object" || value === null) return true;
  const stack: [object, number][] = [[value, 1]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [v, depth] = top;
    if (depth > maxDepth) return false;
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return true;
}

/** Marks a subtree cut off by clipJson (what a reader sees instead of data nested too deep). */
export const CLIPPED = "[nested too deep]";

// superjson (tRPC's transformer) throws on these keys as a prototype-pollution guard, which made
// one event with `metadata: {"constructor": 1}` fail every events.list page holding it (found by
// the reads-survive property test).
const REFUSED_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const readableKey = (k: string) => (REFUSED_KEYS.has(k) ? `[${k}]` : k);

/**
 * A copy of a JSON value for reads: objects or arrays deeper than `maxDepth` replaced by CLIPPED
 * (rows stored before the bound existed must still render) and the keys superjson refuses shown
 * as `[key]`; built without recursion. Exports carry the stored JSON unchanged.
 */
export function clipJson(value: unknown, maxDepth: number = MAX_JSON_DEPTH): unknown {
  return mapJson(value, maxDepth, (s) => s, readableKey);
}

/**
 * A copy of a JSON value with every string passed through `text` (and key through `key`), objects and arrays
 * deeper than `maxDepth` replaced by CLIPPED; iterative, so no input can overflow the stack.
 */
export function mapJson(value: unknown, maxDepth: number, text: (s: string) => string, key: (k: string) => string = text): unknown {
  const leaf = (v: unknown): unknown => (typeof v === "string" ? text(v) : v);
  if (typeof value !== "object" || value === null) return leaf(value);
  type Job = { src: object; out: Record<string, unknown> | unknown[]; depth: number };
  const make = (src: object, depth: number): Job | null =>
    depth > maxDepth ? null : { src, out: Array.isArray(src) ? [] : {}, depth };
  const root = make(value, 1);
  if (!root) return CLIPPED;
  const jobs: Job[] = [root];
  for (let job = jobs.pop(); job; job = jobs.pop()) {
    const entries: [string, unknown][] = Array.isArray(job.src) ? job.src.map((v: unknown, i) => [String(i), v]) : Object.entries(job.src);
    for (const [k, v] of entries) {
      let copy: unknown;
      if (typeof v === "object" && v !== null) {
        const child = make(v, job.depth + 1);
        copy = child ? child.out : CLIPPED;
        if (child) jobs.push(child);
      } else {
        copy = leaf(v);
      }
      // defineProperty: a "__proto__" key stays a plain own key, as JSON.parse makes it.
      if (Array.isArray(job.out)) job.out.push(copy);
      else Object.defineProperty(job.out, key(k), { value: copy, enumerable: true, writable: true, configurable: true });
    }
  }
  return root.out;
}
