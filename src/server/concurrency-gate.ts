/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait their turn in arrival
 * order. Used where running more at once only makes each slower: CPU-bound database work on a
 * server with few cores (see SIMILARITY_SEARCH_CONCURRENCY in docs/configuration.md).
 * A limit of 0 or less lets everything through.
 */
export type ConcurrencyGate = {
  readonly limit: number;
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running and tasks waiting now. */
  readonly stats: { running: number; waiting: number };
};

export function createConcurrencyGate(limit: number): ConcurrencyGate {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    // The slot passes straight to the next waiter: `running` is unchanged.
    if (next) next();
    else running--;
  };
  return {
    limit,
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (limit <= 0) return task();
      if (running < limit) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    get stats() {
      return { running: limit <= 0 ? 0 : running, waiting: waiting.length };
    },
  };
}
