// No secrets in what the browser downloads: every file of the production build's .next/static is
// scanned for API keys, connection strings, the names of secret settings, the values of the secrets
// in this environment, and SQL from server modules (a server module bundled for the client).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const STATIC_DIR = path.resolve(".next/static");
const built = fs.existsSync(STATIC_DIR);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const PATTERNS: [string, RegExp][] = [
  ["an API key of this app", /acp_[A-Za-z0-9_-]{32,}/],
  ["a provider key", /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/],
  ["a connection string", /\b(?:postgres(?:ql)?|redis|rediss):\/\/[^\s"'`]+/],
  ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["the name of a secret setting", /\b(?:DATABASE_URL|REDIS_URL|AUTH_SECRET|BETTER_AUTH_SECRET|OPENAI_API_KEY|OIDC_CLIENT_SECRET|ADMIN_PASSWORD|BOOTSTRAP_API_KEY)\b/],
  ["server-side SQL", /jsonb_to_recordset|pg_advisory_xact_lock|INSERT INTO cost_events|FROM api_keys/],
  ["the password hasher", /scrypt\$/],
];

// Secret values of this environment, when set (the CI job sets some of them).
const SECRET_VALUES = ["DATABASE_URL", "REDIS_URL", "AUTH_SECRET", "OPENAI_API_KEY", "OIDC_CLIENT_SECRET", "ADMIN_PASSWORD", "BOOTSTRAP_API_KEY", "TEST_PG_URL"]
  .map((name) => process.env[name])
  .filter((v): v is string => typeof v === "string" && v.length >= 8);

if (!built) console.warn("[skipped] client bundle scan: no production build (.next/static); `npm test` builds it");

describe.skipIf(!built)("client bundles hold no secrets (.next/static)", () => {
  it("scans every file and finds none of the patterns or secret values", () => {
    const all = files(STATIC_DIR);
    expect(all.some((f) => f.endsWith(".js"))).toBe(true);
    const findings: string[] = [];
    for (const file of all) {
      const content = fs.readFileSync(file, "utf8");
      for (const [what, pattern] of PATTERNS) {
        const hit = pattern.exec(content);
        if (hit) findings.push(`${path.relative(STATIC_DIR, file)}: ${what}: ${hit[0].slice(0, 40)}`);
      }
      for (const value of SECRET_VALUES) if (content.includes(value)) findings.push(`${path.relative(STATIC_DIR, file)}: a secret value from the environment`);
    }
    expect(findings).toEqual([]);
  });
});
