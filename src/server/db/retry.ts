import "server-only";

/** SQLSTATEs after which a statement rolled back whole and may simply run again. */
const TRANSIENT = new Set(["40P01", "40001"]); // deadlock (also Citus's distributed one), serialization

/**
 * Runs `fn` again (up to `attempts` times, short random backoff) when it fails with a deadlock or a
 * serialization failure. Only for work that is one statement or one transaction: a failed attempt
 * changed nothing. On a Citus cluster concurrent writes to the same reference tables or shards
 * can be cancelled by the distributed deadlock detector; on one node a deadlock is rarer but the
 * same.
 */
export async function retryTransient<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown; cause?: { code?: unknown } }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
      if (attempt >= attempts || typeof code !== "string" || !TRANSIENT.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * attempt));
    }
  }
}
