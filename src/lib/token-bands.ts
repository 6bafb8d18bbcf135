/**
 * Prompt-size bands of the token-mix rollup. A call falls in band i when
 * TOKEN_BAND_BOUNDARIES[i-1] < inputTokens ≤ TOKEN_BAND_BOUNDARIES[i] (band 0: up to the first
 * boundary; the last band: above the last one), which is `width_bucket(input_tokens - 1, bounds)`
 * in SQL. Every long-context threshold, the top of its "just above the threshold" margin and
 * every context window of the shipped catalog is a boundary, so the rollup tells exactly which
 * calls a catalog price bills at its long-context tier, which sit just above it, and which
 * exceed a model's context window (pricing/catalog.test.ts checks it). Changing this list needs
 * a migration that rebuilds token_mix_daily.
 */
export const TOKEN_BAND_BOUNDARIES: readonly number[] = Object.freeze([
  8_192, 16_385, 32_000, 40_000, 64_000, 128_000, 131_072, 140_800, 200_000, 220_000, 256_000, 272_000, 299_200,
  400_000, 1_000_000, 1_047_576, 1_048_576, 1_050_000, 2_000_000,
]);

/** Share above a threshold that counts as "just above it" for tier cliffs: 10 %. */
export const CLIFF_MARGIN_PERCENT = 10;

/** The top of the cliff margin of a threshold (inclusive), in tokens. */
export function cliffTop(threshold: number): number {
  return Math.floor((threshold * (100 + CLIFF_MARGIN_PERCENT)) / 100);
}

/** The band of a prompt size (same as the SQL expression). */
export function tokenBand(inputTokens: number): number {
  let band = 0;
  for (const b of TOKEN_BAND_BOUNDARIES) if (inputTokens > b) band += 1;
  return band;
}

/** Inclusive-exclusive prompt sizes of a band: (low, high]; high null = unbounded. */
export function bandRange(band: number): { low: number; high: number | null } {
  const low = band === 0 ? -1 : (TOKEN_BAND_BOUNDARIES[band - 1] ?? Number.MAX_SAFE_INTEGER);
  const high = TOKEN_BAND_BOUNDARIES[band] ?? null;
  return { low, high };
}

export function isBoundary(tokens: number): boolean {
  return TOKEN_BAND_BOUNDARIES.includes(tokens);
}

/** The SQL literal of the boundaries, for width_bucket. */
export const TOKEN_BANDS_SQL = `ARRAY[${TOKEN_BAND_BOUNDARIES.join(",")}]::int[]`;
