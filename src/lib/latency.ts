// Latency histogram buckets: 8 per doubling, so a percentile read from the histogram is
// exact to within one bucket (upper bound ≤ 9.05% above any value in the bucket).
export const LATENCY_BUCKETS_PER_DOUBLING = 8;
export const LATENCY_MAX_BUCKET = 255;

/** Bucket 0 holds 0 ms; bucket b ≥ 1 holds (2^((b-1)/8), 2^(b/8)] ms. */
export function latencyBucket(ms: number): number {
  if (ms <= 1) return ms <= 0 ? 0 : 1;
  const b = Math.ceil(Math.log2(ms) * LATENCY_BUCKETS_PER_DOUBLING) + 1;
  return Math.min(b, LATENCY_MAX_BUCKET);
}

/** The largest latency a bucket can hold, used as the reported percentile (a safe upper bound). */
export function latencyBucketUpperMs(bucket: number): number {
  if (bucket <= 0) return 0;
  return Math.round(2 ** ((bucket - 1) / LATENCY_BUCKETS_PER_DOUBLING));
}
