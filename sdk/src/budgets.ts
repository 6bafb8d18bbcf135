// Budget status for apps (GET /api/v1/budgets/status) with a short cache, and the opt-in guard
// that refuses a provider call up front when a budget it counts against is spent.

export type BudgetState = "ok" | "warning" | "exceeded";

/** One budget a call counts against, as the server answers it (amounts are exact decimal strings). */
export interface BudgetStatus {
  budgetId: string;
  name: string;
  scope: { kind: string; key?: string; value?: string };
  period: "day" | "week" | "month";
  /** The end user an "each user" budget was evaluated for, else null. */
  subject: string | null;
  spent: string;
  limit: string;
  remaining: string;
  state: BudgetState;
  periodStart: string;
  periodEnd: string;
  forecast: { periodEndUsd: string; exceedsAt: string | null };
}

/** What a call is about to be: every budget of the project it would count against is returned. */
export interface BudgetQuery {
  userId?: string;
  feature?: string;
  model?: string;
  provider?: string;
  tags?: string[];
}

/** Thrown by a guarded client before the provider is called: `budgets` are the exceeded ones. */
export class BudgetExceededError extends Error {
  override readonly name = "BudgetExceededError";
  constructor(readonly budgets: BudgetStatus[]) {
    super(`budget exceeded: ${budgets.map((b) => `${b.name}${b.subject ? ` (${b.subject})` : ""} spent ${b.spent} of ${b.limit} USD`).join("; ")}`);
  }
}

export interface BudgetClientOptions {
  apiKey: string;
  baseUrl: string;
  fetch: typeof fetch;
  /** How long an answer is reused for the same query. Default 5,000 ms. */
  cacheMs?: number;
  timeoutMs?: number;
}

const MAX_CACHED = 1000;

export class BudgetClient {
  private readonly cache = new Map<string, { at: number; value: Promise<BudgetStatus[]> }>();
  private readonly cacheMs: number;

  constructor(private readonly o: BudgetClientOptions) {
    this.cacheMs = o.cacheMs ?? 5000;
  }

  /** Matching budgets and their spend; answers for the same query are reused for `cacheMs`. */
  status(q: BudgetQuery = {}): Promise<BudgetStatus[]> {
    const params = new URLSearchParams();
    for (const k of ["userId", "feature", "model", "provider"] as const) {
      const v = q[k];
      if (v !== undefined && v !== "") params.set(k, v);
    }
    if (q.tags && q.tags.length > 0) params.set("tags", [...q.tags].sort().join(","));
    const key = params.toString();
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.cacheMs) return hit.value;
    const value = this.fetchStatus(key);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, { at: now, value });
    // A failed answer is not reused.
    value.catch(() => this.cache.delete(key));
    return value;
  }

  /** Throws BudgetExceededError when a matching budget is exceeded. */
  async check(q: BudgetQuery): Promise<void> {
    const exceeded = (await this.status(q)).filter((b) => b.state === "exceeded");
    if (exceeded.length > 0) throw new BudgetExceededError(exceeded);
  }

  private async fetchStatus(query: string): Promise<BudgetStatus[]> {
    const url = `${this.o.baseUrl.replace(/\/+$/, "")}/api/v1/budgets/status${query ? `?${query}` : ""}`;
    const res = await this.o.fetch(url, {
      headers: { authorization: `Bearer ${this.o.apiKey}` },
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
    });
    if (!res.ok) throw new Error(`budget status: HTTP ${res.status}`);
    const body = (await res.json()) as { budgets?: BudgetStatus[] };
    return Array.isArray(body.budgets) ? body.budgets : [];
  }
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

/**
 * A proxy of `client` whose methods at `paths` (e.g. ["chat", "completions", "create"]) first
 * check the budgets the call counts against and throw BudgetExceededError instead of calling the
 * provider. Guarded methods return a plain Promise of the provider's result. When the status
 * cannot be read the call goes ahead (`onUnavailable` is told): the guard never takes an app down.
 */
export function guardClient<C extends object>(
  client: C,
  paths: string[][],
  check: (params: Record<string, unknown>) => Promise<void>,
  onUnavailable: (err: unknown) => void,
): C {
  const guarded = (target: object, rest: string[][]): object =>
    new Proxy(target, {
      get(t, prop, receiver) {
        const value: unknown = Reflect.get(t, prop, receiver);
        if (typeof prop !== "string") return value;
        const here = rest.filter((p) => p[0] === prop);
        if (here.length === 0) return value;
        const deeper = here.map((p) => p.slice(1));
        if (deeper.some((p) => p.length === 0) && typeof value === "function") {
          const original = value as AnyFn;
          return async function (this: unknown, ...args: unknown[]) {
            const params = typeof args[0] === "object" && args[0] !== null ? (args[0] as Record<string, unknown>) : {};
            try {
              await check(params);
            } catch (err) {
              if (err instanceof BudgetExceededError) throw err;
              onUnavailable(err);
            }
            return original.apply(this === receiver ? t : this, args);
          };
        }
        return typeof value === "object" && value !== null ? guarded(value, deeper) : value;
      },
    });
  return guarded(client, paths) as C;
}
