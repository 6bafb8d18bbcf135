// PostgreSQL text cannot hold NUL, and jsonb also refuses unpaired UTF-16 surrogates (which JSON can
// carry as \ud800 escapes). Client text is made storable — each such character becomes U+FFFD, the
// replacement character — so a stray byte in a prompt costs one character, not the whole event.

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function storableText(s: string): string {
  return s.replace(UNPAIRED_SURROGATE, "\ufffd").replaceAll("\0", "\ufffd");
}

/** The same for every string and key in a JSON value (callers bound its size, hence its depth). */
export function storableJson(value: unknown): unknown {
  if (typeof value === "string") return storableText(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableJson(v)]));
  }
  return value;
}
