/**
 * The `withFeature()` scope. AsyncLocalStorage follows the feature across awaits; it is looked up
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

export class FeatureScope {
  private store: Store<string> | null = null;
  private syncStack: string[] = [];

  private als(): Store<string> | null {
    if (!this.store && storeClass) this.store = new storeClass<string>();
    return this.store;
  }

  current(): string | undefined {
    const als = this.als();
    return als ? als.getStore() : this.syncStack[this.syncStack.length - 1];
  }

  run<T>(feature: string, fn: () => T): T {
    const als = this.als();
    if (als) return als.run(feature, fn);
    this.syncStack.push(feature);
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
