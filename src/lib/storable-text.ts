// PostgreSQL text cannot hold NUL, and jsonb also refuses unpaired UTF-16 surrogates (which JSON can
// carry as \ud800 escapes). Client text is made storable — each such character becomes U+FFFD, the
// replacement character — so a stray byte in a prompt costs one character, not the whole event.

import { MAX_JSON_DEPTH, mapJson } from "./json-bounds";

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// Any surrogate or NUL at all: only text holding one can need a change (most text holds none,
// and the lookbehind pattern above costs several times this test on every string of a batch).
const SUSPECT = /[\0\ud800-\udfff]/;

export function storableText(s: string): string {
  if (!SUSPECT.test(s)) return s;
  return s.replace(UNPAIRED_SURROGATE, "\ufffd").replaceAll("\0", "\ufffd");
}

/**
 * The same for every string and key in a JSON value, without recursion (jsonDepthIssue bounds
 * what is accepted; anything nested deeper than that is clipped here rather than overflowing).
 */
export function storableJson(value: unknown): unknown {
  return mapJson(value, MAX_JSON_DEPTH, storableText);
}

/**
 * storableJson for a value already checked to be within MAX_JSON_DEPTH (so JSON.stringify cannot
 * overflow): the value itself when its JSON text has no NUL and no unpaired surrogate anywhere.
 * JSON.stringify writes both as `\u` escapes (paired surrogates stay raw), so without such an
 * escape no string or key needs a change; with one (or a backslash-u in the text itself, which
 * only costs the copy) it is storableJson's copy. `json`: the value's JSON text, when the caller
 * has made it already.
 */
export function storableBoundedJson(value: unknown, json: string | undefined = JSON.stringify(value)): unknown {
  return json !== undefined && !/\\u(?:0000|[dD][89a-fA-F])/.test(json) ? value : storableJson(value);
}
