import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTED, redactText } from "./redact";

describe("redactText", () => {
  it.each([
    ["mail john.doe+test@example.co.uk now", `mail ${REDACTED.email} now`],
    ["Call +1 (555) 123-4567.", `Call ${REDACTED.phone}.`],
    ["or 555-123-4567, or +44 20 7946 0958", `or ${REDACTED.phone}, or ${REDACTED.phone}`],
    ["UK 020 7946 0958 / FR 01 23 45 67 89", `UK ${REDACTED.phone} / FR ${REDACTED.phone}`],
    ["card 4111 1111 1111 1111 ok", `card ${REDACTED.card} ok`],
    ["key sk-proj-abcdefghijklmnop1234567890", `key ${REDACTED.key}`],
    ["anthropic sk-ant-api03-AbCdEf0123456789xyz", `anthropic ${REDACTED.key}`],
    ["aws AKIAIOSFODNN7EXAMPLE", `aws ${REDACTED.key}`],
    ["gh ghp_abcdefghijklmnopqrstuvwxyz0123456789", `gh ${REDACTED.key}`],
    ["ours acp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", `ours ${REDACTED.key}`],
    ["Authorization: Bearer abcdefgh12345678", `Authorization: Bearer ${REDACTED.key}`],
    ['password: "hunter2hunter2"', `password: "${REDACTED.key}"`],
    ["api_key=zz9plural-z-alpha", `api_key=${REDACTED.key}`],
    ["jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", `jwt ${REDACTED.key}`],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", REDACTED.key],
    ["digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", `digest ${REDACTED.key}`],
  ])("masks %j", (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each([
    "On 2024-01-15 at 10:30 we used 1200 tokens (max tokens: 4096), version 1.2.3, order 12345678",
    "Luhn-invalid 4111 1111 1111 1112 and a timestamp 1732550400000",
    "internationalizationLocalizationAccessibilityGuidelines",
    "token: short",
    "https://example.com/docs/getting-started/installation",
    "price $1,234.56 for 3 seats; ratio 0.25",
  ])("keeps ordinary text: %j", (input) => {
    expect(redactText(input)).toBe(input);
  });

  it("leaves no email or key of those shapes behind, wherever they sit in other text (property)", () => {
    const local = fc.stringMatching(/^[a-z][a-z0-9._+-]{0,20}$/);
    const domain = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}\.[a-z]{2,6}$/);
    const key = fc.stringMatching(/^[A-Za-z0-9]{20,40}$/).map((k) => `sk-proj-${k}`);
    fc.assert(
      fc.property(fc.string(), local, domain, key, fc.string(), (before, l, d, k, after) => {
        const email = `${l}@${d}`;
        const out = redactText(`${before} ${email} ${after} ${k} `);
        expect(out).not.toContain(email);
        expect(out).not.toContain(k);
      }),
    );
  });

  // Generous timeout: a few seconds alone, longer while the integration tier loads both cores.
  it("is idempotent and never throws, on any text (property)", { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (s) => {
        const once = redactText(s);
        expect(redactText(once)).toBe(once);
      }),
    );
  });

  it("stays linear on hostile input (no catastrophic backtracking): finishes within the test timeout", { timeout: 5_000 }, () => {
    const hostile = [
      "a".repeat(200_000),
      "a@".repeat(50_000),
      `${"a.".repeat(50_000)}@`,
      "1 ".repeat(100_000),
      "+1 (".repeat(40_000),
      `-----BEGIN PRIVATE KEY-----${"x".repeat(100_000)}`,
      "password: ".repeat(20_000),
      "0-".repeat(100_000),
    ];
    for (const h of hostile) expect(typeof redactText(h)).toBe("string");
  });
});
