// Spend anomalies against a seasonal, outlier-robust baseline: the same hour of the week over the
// past weeks, summarised by its median and its median absolute deviation (MAD). A mean and standard
// deviation would be dragged by the very spikes we look for; median + MAD ignore up to half of them.

export type SpikeOptions = {
  /** Past weeks needed before anything can be called unusual. Default 3. */
  minWeeks?: number;
  /** Hours below this spend (USD) never alert: a quiet feature does not page anyone. Default 1. */
  minCostUsd?: number;
  /** How many scaled MADs above the median is a spike. Default 5. */
  k?: number;
  /** And at least this multiple of the median. Default 2. */
  minRatio?: number;
};

export type SpikeVerdict = {
  spike: boolean;
  median: number;
  /** MAD × 1.4826 (comparable to a standard deviation for normal data). */
  scaledMad: number;
  /** current ÷ median (Infinity when the usual hour spends nothing). */
  ratio: number;
};

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Is `current` (one hour's spend, USD) a spike against `history` (the same hour in past weeks)? */
export function detectSpike(current: number, history: readonly number[], o: SpikeOptions = {}): SpikeVerdict {
  const m = median(history);
  const scaledMad = 1.4826 * median(history.map((v) => Math.abs(v - m)));
  const ratio = m === 0 ? (current === 0 ? 1 : Infinity) : current / m;
  const enoughHistory = history.length >= (o.minWeeks ?? 3);
  const enoughVolume = current >= (o.minCostUsd ?? 1);
  // A perfectly flat history has MAD 0: require a margin of 10 % of the median (or a cent) instead.
  const spread = Math.max(scaledMad, m * 0.1, 0.01);
  const spike = enoughHistory && enoughVolume && current > m + (o.k ?? 5) * spread && ratio >= (o.minRatio ?? 2);
  return { spike, median: m, scaledMad, ratio };
}
