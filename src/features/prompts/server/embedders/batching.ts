// Request shaping for the OpenAI embeddings API, without a tokenizer: the API takes at most
// 2048 inputs per request, 8191 tokens per input and 300,000 tokens per request. Token counts
// are estimated conservatively (over-estimating costs a few extra requests; under-estimating
// costs a 400), and a 400 about length makes the caller retry with a tighter budget.

export const MAX_INPUTS_PER_REQUEST = 2048;
export const MAX_TOKENS_PER_INPUT = 8191;
// Below the API's 300k so an estimate that is a little low still fits.
export const MAX_TOKENS_PER_REQUEST = 250_000;

/**
 * Walks the text with the running token estimate (below) and stops at the first character that
 * would take it over `limit`: the estimate so far and the end of the prefix that fits.
 */
function scan(text: string, limit: number): { tokens: number; end: number } {
  let ascii = 0;
  let other = 0;
  let end = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80) ascii += 1;
    else other += c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (Math.ceil(ascii / 3) + other > limit) break;
    end += ch.length;
  }
  return { tokens: Math.ceil(ascii / 3) + other, end };
}

/**
 * Upper-bound-ish token estimate: ASCII at 3 characters per token (English averages ~4), and
 * every UTF-8 byte of other characters as a token (byte-level BPE never needs more than that).
 */
export function estimateTokens(text: string): number {
  return scan(text, Infinity).tokens;
}

/** The longest prefix whose estimate fits `maxTokens` (never splits a surrogate pair). */
export function truncateToTokens(text: string, maxTokens = MAX_TOKENS_PER_INPUT): string {
  const { end } = scan(text, maxTokens);
  return end === text.length ? text : text.slice(0, end);
}

/** Splits inputs (already truncated) into consecutive request-sized groups of indexes. */
export function planRequests(
  texts: string[],
  limits: { maxInputs?: number; maxTokens?: number } = {},
): { start: number; end: number }[] {
  const maxInputs = Math.min(limits.maxInputs ?? MAX_INPUTS_PER_REQUEST, MAX_INPUTS_PER_REQUEST);
  const maxTokens = limits.maxTokens ?? MAX_TOKENS_PER_REQUEST;
  const out: { start: number; end: number }[] = [];
  let start = 0;
  let tokens = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = estimateTokens(texts[i] ?? "");
    if (i > start && (i - start >= maxInputs || tokens + t > maxTokens)) {
      out.push({ start, end: i });
      start = i;
      tokens = 0;
    }
    tokens += t;
  }
  if (start < texts.length) out.push({ start, end: texts.length });
  return out;
}
