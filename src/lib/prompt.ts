// Two prompts are "the same" when they differ only in Unicode form or whitespace.
export function normalizePrompt(text: string): string {
  return text.normalize("NFC").replace(/\s+/g, " ").trim();
}

/** Keeps at most maxChars characters without splitting a surrogate pair. */
export function truncateText(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  let end = maxChars;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return { text: text.slice(0, end), truncated: true };
}
