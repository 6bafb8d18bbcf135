export { createProfiler, type BudgetProfiler, type BudgetProfilerOptions, type BudgetWrapOptions } from "./budget-profiler.js";
export { BudgetExceededError, type BudgetQuery, type BudgetState, type BudgetStatus } from "./budgets.js";
export type { Profiler, ProfilerError, ProfilerOptions, ProfilerStats, TrackEvent, WrapOptions } from "./types.js";
export { anthropicBatchResultUsage, anthropicUsage } from "./anthropic.js";
export { geminiBatchResultUsage } from "./gemini.js";
export { chatUsage, responsesUsage } from "./openai.js";
export type { ServiceTier, Usage } from "./usage.js";
export type { CallContext } from "./context.js";

import type { BudgetWrapOptions } from "./budget-profiler.js";
import type { Profiler } from "./types.js";

/** `wrapOpenAI(client, { profiler, feature })`, the same as `profiler.wrapOpenAI(client, { feature })`. */
export function wrapOpenAI<C extends object>(client: C, options: BudgetWrapOptions & { profiler: Profiler }): C {
  const { profiler, ...rest } = options;
  return profiler.wrapOpenAI(client, rest);
}

/** `wrapAnthropic(client, { profiler, feature })`, the same as `profiler.wrapAnthropic(client, { feature })`. */
export function wrapAnthropic<C extends object>(client: C, options: BudgetWrapOptions & { profiler: Profiler }): C {
  const { profiler, ...rest } = options;
  return profiler.wrapAnthropic(client, rest);
}
