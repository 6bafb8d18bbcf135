// PostgreSQL text cannot hold NUL, and jsonb also refuses unpaired UTF-16 surrogates (which JSON can
// carry as \ud800 escapes). Client text is made storable — each such character becomes U+FFFD, the
// replacement character — so a stray byte in a prompt costs one character, not the whole event.

import { MAX_JSON_DEPTH, mapJson } from "./json-bounds";

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function storableText(s: string): string {
  return s.replace(UNPAIRED_SURROGATE, "\ufffd").replaceAll("\0", "\ufffd");
}

/**
 * The same for every string and key in a JSON value, without recursion (jsonDepthIssue bounds
 * what is accepted; anything nested deeper than that is clipped here rather than overflowing).
 */
export function storableJson(value: unknown): unknown {
  return mapJson(value, MAX_JSON_DEPTH, storableText);
}
