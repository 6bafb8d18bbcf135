import "server-only";
import { latencyBucketUpperMs } from "~/lib/latency";

/**
 * p-th percentile from histogram bucket counts: the upper bound of the bucket holding the
 * percentile — never below the true value and at most 9.05% above it (src/lib/latency.ts).
 */
export function percentileFromBuckets(buckets: Map<number, number>, p: number): number | null {
  let total = 0;
  for (const n of buckets.values()) total += n;
  if (total === 0) return null;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
    seen += buckets.get(b) ?? 0;
    if (seen >= rank) return latencyBucketUpperMs(b);
  }
  return null;
}
