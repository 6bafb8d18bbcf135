// The profiler with budgets: profiler.budgetStatus(query) and `wrapOpenAI(client, { budgetGuard: true })`.
import { BudgetClient, guardClient, type BudgetQuery, type BudgetStatus } from "./budgets.js";
import { createProfiler as createBaseProfiler } from "./profiler.js";
import type { Profiler, ProfilerOptions, WrapOptions } from "./types.js";

export interface BudgetWrapOptions extends WrapOptions {
  /**
   * Before each call, ask the profiler for the budgets it counts against (project, feature,
   * model, end user, tags — from these options and the current `withContext()` scope) and throw
   * BudgetExceededError instead of calling the provider when one is exceeded. Off by default.
   */
  budgetGuard?: boolean;
}

export interface BudgetProfiler extends Profiler {
  /** Budgets a call with these attributes counts against, with their spend (cached briefly). */
  budgetStatus(query?: BudgetQuery): Promise<BudgetStatus[]>;
  wrapOpenAI<C extends object>(client: C, options?: BudgetWrapOptions): C;
  wrapAnthropic<C extends object>(client: C, options?: BudgetWrapOptions): C;
}

export interface BudgetProfilerOptions extends ProfilerOptions {
  /** How long a budget status answer is reused for the same query. Default 5,000 ms. */
  budgetCacheMs?: number;
}

const OPENAI_PATHS = [["chat", "completions", "create"], ["responses", "create"]];
const ANTHROPIC_PATHS = [["messages", "create"], ["beta", "messages", "create"]];

export function createProfiler(options: BudgetProfilerOptions): BudgetProfiler {
  const base = createBaseProfiler(options);
  const budgets = new BudgetClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    fetch: options.fetch ?? globalThis.fetch,
    cacheMs: options.budgetCacheMs,
  });
  const report = (err: unknown) =>
    (options.onError ?? ((e) => console.warn(`[ai-cost-profiler] ${e.kind}: ${e.message}`)))({
      kind: "budget",
      message: `budget status unavailable; call allowed: ${String(err)}`,
      count: 0,
      cause: err,
    });
  const guard = <C extends object>(client: C, o: BudgetWrapOptions, paths: string[][], provider: string): C => {
    if (o.budgetGuard !== true) return client;
    return guardClient(
      client,
      paths,
      (params) => {
        const ctx = base.currentContext();
        const tags = [...new Set([...(o.tags ?? []), ...(ctx.tags ?? [])])];
        return budgets.check({
          userId: ctx.userId ?? o.userId,
          feature: ctx.feature ?? o.feature ?? options.defaultFeature,
          model: typeof params.model === "string" ? params.model : undefined,
          provider,
          tags,
        });
      },
      report,
    );
  };
  const extra = {
    budgetStatus: (q: BudgetQuery = {}) => budgets.status(q),
    wrapOpenAI: <C extends object>(client: C, o: BudgetWrapOptions = {}) => guard(base.wrapOpenAI(client, o), o, OPENAI_PATHS, "openai"),
    wrapAnthropic: <C extends object>(client: C, o: BudgetWrapOptions = {}) => guard(base.wrapAnthropic(client, o), o, ANTHROPIC_PATHS, "anthropic"),
  };
  return new Proxy(base, {
    get(t, prop) {
      if (typeof prop === "string" && prop in extra) return extra[prop as keyof typeof extra];
      const v: unknown = Reflect.get(t, prop, t);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  }) as BudgetProfiler;
}
