import { Call, paramsOf, type Recorder } from "./call.js";
import type { WrapOptions } from "./types.js";
import type { Adapter } from "./usage.js";


/** Which methods of a client to record: a tree of property names whose leaves are adapters. */
export interface Spec {
  [prop: string]: Spec | Adapter;
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
const isAdapter = (v: Spec | Adapter): v is Adapter => typeof (v as Adapter).usage === "function";
const isThenable = (v: unknown): v is PromiseLike<unknown> & Record<string, unknown> =>
  (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as { then?: unknown }).then === "function";

/** Makes a provider stream report its items: patches the instance so every way of reading it is seen. */
function observeStream(stream: unknown, call: Call, adapter: Adapter): void {
  if (typeof stream !== "object" || stream === null) return;
  const s = stream as Record<PropertyKey, unknown>;
  const observer = adapter.stream(call.params);
  // openai and @anthropic-ai/sdk streams read through an own `iterator` function from
  // Symbol.asyncIterator, tee() and toReadableStream(); patching it covers all three, once.
  const own = Object.prototype.hasOwnProperty.call(s, "iterator") ? s.iterator : undefined;
  if (typeof own === "function") {
    const original = own as AnyFn;
    s.iterator = function (this: unknown, ...args: unknown[]) {
      return call.observeIterator(original.apply(this, args) as AsyncIterator<unknown>, observer);
    };
    return;
  }
  const iter = s[Symbol.asyncIterator];
  if (typeof iter === "function") {
    const original = iter as AnyFn;
    Object.defineProperty(s, Symbol.asyncIterator, {
      configurable: true,
      writable: true,
      value: function (this: unknown) {
        return call.observeIterator(original.call(this) as AsyncIterator<unknown>, observer);
      },
    });
  } else {
    call.succeed(null, { streamed: true });
  }
}

function onValue(value: unknown, call: Call, adapter: Adapter): void {
  if (call.streaming) observeStream(value, call, adapter);
  else call.succeed(adapter.usage(value));
}

/**
 * Watches a call's result without changing it. The SDKs return an APIPromise that parses the body
 * lazily (`asResponse()` must still get an unread body), so rather than awaiting it we wrap its
 * `parseResponse` — every parse path (then, withResponse, _thenUnwrap helpers) goes through it — and
 * listen to `responsePromise` for HTTP errors. Other thenables are simply observed with `then`.
 */
function observeResult(result: unknown, call: Call, adapter: Adapter): void {
  if (!isThenable(result)) {
    onValue(result, call, adapter);
    return;
  }
  const p = result;
  const parse = p.parseResponse;
  const response = p.responsePromise;
  if (typeof parse === "function" && isThenable(response)) {
    const original = parse as AnyFn;
    p.parseResponse = async function (this: unknown, ...args: unknown[]) {
      let value: unknown;
      try {
        value = await original.apply(this, args);
      } catch (err) {
        call.fail(err);
        throw err;
      }
      try {
        onValue(value, call, adapter);
      } catch {
        // Observation is best effort; the caller's value is returned untouched.
      }
      return value;
    };
    response.then(undefined, (err: unknown) => call.fail(err));
    return;
  }
  result.then(
    (value) => onValue(value, call, adapter),
    (err: unknown) => call.fail(err),
  );
}

function wrapMethod(original: AnyFn, target: object, adapter: Adapter, recorder: Recorder, options: WrapOptions): AnyFn {
  return function wrapped(this: unknown, ...args: unknown[]) {
    let call: Call | null = null;
    let sendArgs = args;
    try {
      const params = paramsOf(args);
      const replaced = adapter.prepare?.(params);
      call = new Call(adapter, recorder, options, params);
      if (replaced) sendArgs = [replaced, ...args.slice(1)];
    } catch {
      call = null; // never let bookkeeping break the call itself
    }
    let result: unknown;
    try {
      result = original.apply(target, sendArgs);
    } catch (err) {
      call?.fail(err);
      throw err; // the caller's error, unchanged
    }
    if (call) {
      try {
        observeResult(result, call, adapter);
      } catch {
        // as above
      }
    }
    return result;
  };
}

/**
 * A Proxy over `client` recording the methods named in `spec`. Everything else passes through:
 * root-level methods are bound to the real client (they may use private fields); methods of the
 * wrapped resources keep the proxy as `this`, and their `_client` is the wrapped root, so helpers
 * built on `create()` (openai `parse()`/`stream()`, anthropic `messages.stream()`) are recorded too.
 */
export function wrapClient<C extends object>(client: C, spec: Spec, recorder: Recorder, options: WrapOptions): C {
  const proxies = new WeakMap<object, object>();
  let root: object = client;
  const make = (target: object, node: Spec, isRoot: boolean): object => {
    const cached = proxies.get(target);
    if (cached) return cached;
    const fns = new Map<PropertyKey, { original: unknown; fn: unknown }>();
    const remember = (prop: PropertyKey, original: unknown, build: () => unknown) => {
      const hit = fns.get(prop);
      if (hit && hit.original === original) return hit.fn;
      const fn = build();
      fns.set(prop, { original, fn });
      return fn;
    };
    const proxy = new Proxy(target, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop, t);
        if (typeof prop === "string" && Object.prototype.hasOwnProperty.call(node, prop)) {
          const desc = Object.getOwnPropertyDescriptor(t, prop);
          // A frozen property must be returned as is (Proxy invariant).
          if (desc && desc.configurable === false && desc.writable === false) return value;
          const child = node[prop];
          if (child && isAdapter(child) && typeof value === "function") {
            return remember(prop, value, () => wrapMethod(value as AnyFn, t, child, recorder, options));
          }
          if (child && !isAdapter(child) && typeof value === "object" && value !== null) return make(value, child, false);
        }
        if (!isRoot && prop === "_client" && value === client) return root;
        if (isRoot && typeof value === "function") return remember(prop, value, () => (value as AnyFn).bind(t));
        return value;
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };
  root = make(client, spec, true);
  return root as C;
}

