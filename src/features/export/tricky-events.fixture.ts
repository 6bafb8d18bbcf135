// Events whose user-supplied strings exercise CSV quoting and formula neutralisation, for the
// export tests (integration tier only; never imported by the app).

export const TRICKY_STRINGS: readonly string[] = [
  'say "hi", then leave',
  "line1\r\nline2\nline3\rline4",
  "emoji 🚀 and café 中文",
  '=HYPERLINK("http://x")',
  "-1+2",
  "@SUM(A1)",
  "+1",
  "\tleading tab",
  "\r=carriage return first",
  "＝1+1 full-width equals",
  "'=already quoted",
  "plain",
  "",
  "-",
  "trailing comma,",
  '""',
  "back\\slash \\N \\.",
];

const at = (i: number) => TRICKY_STRINGS[i % TRICKY_STRINGS.length] ?? "";

/** One event per tricky string, rotating it through prompt, errorMessage, feature, user and metadata. */
export function trickyEvents(prefix: string, now = Date.now()): Record<string, unknown>[] {
  return TRICKY_STRINGS.map((s, i) => ({
    id: `${prefix}-${i}`,
    timestamp: new Date(now - (i + 1) * 60_000).toISOString(),
    provider: "openai",
    model: i % 5 === 4 ? "acme-unknown-model" : "gpt-4o-mini",
    // Identifiers are trimmed and non-empty at ingestion.
    feature: at(i + 3).trim() || "feature-x",
    userId: at(i + 2).trim() || undefined,
    sessionId: at(i + 5).trim() || undefined,
    inputTokens: 1000 + i,
    outputTokens: 10 * i,
    ...(i % 3 === 0 ? { costUsd: i === 0 ? "99999.999999999999" : `0.00000000000${(i % 9) + 1}` } : {}),
    latencyMs: 100 + i,
    status: i % 2 === 0 ? "error" : "success",
    ...(i % 2 === 0 ? { errorMessage: at(i + 1) } : {}),
    prompt: s,
    metadata: { [s || "empty"]: at(i + 4), n: -1 - i, nested: { q: '"', list: [at(i + 6)] } },
  }));
}
