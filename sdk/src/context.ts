/**
 * The `withContext()` / `withFeature()` scope. AsyncLocalStorage follows the feature across awaits; it is looked up
 * without importing anything Node-only at the top level, so the SDK loads on edge runtimes too:
 * 1. `globalThis.AsyncLocalStorage` (Cloudflare Workers with nodejs_als, Vercel Edge);
 * 2. `process.getBuiltinModule("node:async_hooks")` (Node ≥ 20.16, Bun, Deno 2) — synchronous;
 * 3. a dynamic `import("node:async_hooks")` (older Node 18/20), ready a moment after start-up.
 * Without any of them the scope covers only the synchronous start of `fn` (enough for a wrapped
 * call made before the first `await`); pass `feature` explicitly there.
 */
interface Store<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}
type StoreClass = new <T>() => Store<T>;

function isStoreClass(value: unknown): value is StoreClass {
  return typeof value === "function" && typeof (value as { prototype?: { run?: unknown } }).prototype?.run === "function";
}

function fromModule(mod: unknown): StoreClass | null {
  const cls = typeof mod === "object" && mod !== null ? (mod as { AsyncLocalStorage?: unknown }).AsyncLocalStorage : undefined;
  return isStoreClass(cls) ? cls : null;
}

function findSync(): StoreClass | null {
  const g = globalThis as { AsyncLocalStorage?: unknown; process?: { getBuiltinModule?: (id: string) => unknown } };
  if (isStoreClass(g.AsyncLocalStorage)) return g.AsyncLocalStorage;
  try {
    const mod = g.process?.getBuiltinModule?.("node:async_hooks");
    return fromModule(mod);
  } catch {
    return null;
  }
}

let storeClass: StoreClass | null = findSync();
let pending: Promise<void> | null = null;
if (!storeClass && typeof (globalThis as { process?: unknown }).process === "object") {
  // A variable specifier keeps bundlers for edge targets from trying to resolve a Node built-in.
  const specifier = "node:async_hooks";
  pending = import(/* webpackIgnore: true */ /* @vite-ignore */ specifier).then(
    (mod: unknown) => {
      storeClass = fromModule(mod);
    },
    () => undefined,
  );
}

/** Resolves once the async-context lookup has finished (immediately on most runtimes). */
export function contextReady(): Promise<void> {
  return pending ?? Promise.resolve();
}

/** What a `withContext()` / `withFeature()` scope gives every event tracked inside it. */
export interface CallContext {
  feature?: string;
  userId?: string;
  sessionId?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

/** An inner scope over an outer one: inner values win, tags add up, metadata merges key by key. */
export function mergeContext(outer: CallContext | undefined, inner: CallContext): CallContext {
  const out: CallContext = { ...outer };
  if (inner.feature !== undefined) out.feature = inner.feature;
  if (inner.userId !== undefined) out.userId = inner.userId;
  if (inner.sessionId !== undefined) out.sessionId = inner.sessionId;
  if (inner.tags !== undefined) out.tags = [...new Set([...(outer?.tags ?? []), ...inner.tags])];
  if (inner.metadata !== undefined) out.metadata = { ...outer?.metadata, ...inner.metadata };
  return out;
}

export class ContextScope {
  private store: Store<CallContext> | null = null;
  private syncStack: CallContext[] = [];

  private als(): Store<CallContext> | null {
    if (!this.store && storeClass) this.store = new storeClass<CallContext>();
    return this.store;
  }

  current(): CallContext | undefined {
    const als = this.als();
    return als ? als.getStore() : this.syncStack[this.syncStack.length - 1];
  }

  /** Runs `fn` inside `context` merged over the current scope. */
  run<T>(context: CallContext, fn: () => T): T {
    const merged = mergeContext(this.current(), context);
    const als = this.als();
    if (als) return als.run(merged, fn);
    this.syncStack.push(merged);
    try {
      return fn();
    } finally {
      this.syncStack.pop();
    }
  }

  /** Whether the scope follows awaits (AsyncLocalStorage found). */
  get isAsync(): boolean {
    return this.als() !== null;
  }
}
