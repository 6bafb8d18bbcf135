// Masks personal data and credentials in prompt text before it is stored (STORE_PROMPT_TEXT=redacted).
// Best effort by design: patterns catch the common shapes (emails, phone and card numbers, provider
// keys, tokens, private keys) and prefer masking a harmless long id to keeping a real secret.
// Every pattern is linear or bounded, so hostile input cannot make ingestion spin (see the tests).

export const REDACTED = {
  email: "[redacted:email]",
  phone: "[redacted:phone]",
  card: "[redacted:card]",
  key: "[redacted:key]",
} as const;

type Rule = { pattern: RegExp; replace: (match: string, ...groups: string[]) => string };

const digitsOf = (s: string) => s.replace(/\D/g, "");

/** Luhn checksum: card numbers pass it, most other long digit runs (ids, timestamps) do not. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const key = () => REDACTED.key;

// Order matters: whole blocks (private keys, JWTs) first, then prefixed keys, then the shapes that
// could otherwise match inside them (emails, numbers), then the generic long-token rule.
const RULES: Rule[] = [
  { pattern: /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]{0,20000}?-----END [A-Z ]{0,40}PRIVATE KEY-----/g, replace: key },
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: key },
  {
    // OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), OpenRouter, Stripe (sk_live_), this app (acp_),
    // GitHub, Slack, Google, AWS access key ids.
    pattern:
      /\b(?:(?:sk|pk|rk)[-_][A-Za-z0-9_-]{16,}|acp_[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{30,}|(?:AKIA|ASIA)[0-9A-Z]{16})/g,
    replace: key,
  },
  {
    // `password: hunter2hunter2`, `api_key="…"`, `Authorization: Bearer …`: the value goes, the name stays.
    pattern: /\b(bearer\s+|basic\s+|(?:api[_-]?key|secret|password|passwd|pwd|token|auth)\s*[:=]\s*["']?)([^\s"'<>,;]{8,})/gi,
    replace: (_m, name) => `${name}${REDACTED.key}`,
  },
  { pattern: /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}\b/g, replace: () => REDACTED.email },
  {
    // 13–19 digits, optionally grouped by spaces or dashes, that pass the Luhn check.
    pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g,
    replace: (m) => (luhnValid(digitsOf(m)) ? REDACTED.card : m),
  },
  {
    // International (+CC …), North American ((555) 123-4567, 555-123-4567) and trunk-prefixed
    // national numbers (020 7946 0958, 01 23 45 67 89). Bare digit runs are left alone (amounts, ids).
    pattern:
      /(?<![\w+])(?:\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}|(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}|0\d{1,4}[ .-]\d{3,4}[ .-]?\d{3,4}|0\d(?:[ .-]\d{2}){4})(?![\w])/g,
    replace: (m) => {
      const n = digitsOf(m).length;
      return n >= 8 && n <= 15 ? REDACTED.phone : m;
    },
  },
  {
    // Any other long token of letters and digits (hex digests, base64url secrets, keys of unknown
    // providers). Letters only are words or identifiers; digits only are numbers: both are kept.
    pattern: /\b[A-Za-z0-9_-]{32,}\b/g,
    replace: (m) => (/\d/.test(m) && /[A-Za-z]/.test(m) && !m.startsWith("redacted") ? REDACTED.key : m),
  },
];

export function redactText(text: string): string {
  let out = text;
  for (const rule of RULES) out = out.replace(rule.pattern, rule.replace);
  return out;
}
