import { z } from "zod";

// The only reader of process.env: every setting is parsed and validated once, here.
const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const intWithDefault = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));

const ipOrCidr = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);
function isTrustedProxies(v: string | undefined): boolean {
  if (v === undefined || /^\s*\d{1,2}\s*$/.test(v)) return true;
  return v.split(",").every((t) => ipOrCidr.safeParse(t.trim()).success);
}

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  REDIS_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  DB_POOL_MAX: intWithDefault(10, 1, 200),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default("./.data")),
  PORT: intWithDefault(3000, 1, 65535),
  HOSTNAME: z.preprocess(emptyToUndefined, z.string().default("127.0.0.1")),
  BOOTSTRAP_API_KEY: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^acp_[A-Za-z0-9_-]{32,}$/, "BOOTSTRAP_API_KEY must look like acp_ + 32 or more URL-safe characters").optional(),
  ),
  RATE_LIMIT_EVENTS_PER_HOUR: intWithDefault(10_000, 1, 1_000_000_000),
  // Comma list of CIDRs/addresses, or one hop count; src/server/client-ip.ts applies it.
  TRUSTED_PROXIES: optionalString.refine(isTrustedProxies, "TRUSTED_PROXIES must be a comma list of IPs/CIDRs or one integer hop count"),
  // `acp_xxxxxxxx=50000,...`: per-key limits keyed by the 12-character display prefix (no secrets in env).
  RATE_LIMIT_KEY_OVERRIDES: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^\s*acp_[A-Za-z0-9_-]{8}=[1-9]\d{0,9}\s*(,\s*acp_[A-Za-z0-9_-]{8}=[1-9]\d{0,9}\s*)*$/, "RATE_LIMIT_KEY_OVERRIDES must look like acp_xxxxxxxx=50000,acp_yyyyyyyy=100").optional(),
  ),
  RATE_LIMIT_ALGORITHM: z.preprocess(emptyToUndefined, z.enum(["sliding", "fixed"]).default("sliding")),
  // Benchmarks and emergencies: the proxy still sets x-request-id but counts nothing.
  RATE_LIMIT_DISABLED: z.preprocess(emptyToUndefined, z.enum(["0", "1", "true", "false"]).default("0")).transform((v) => v === "1" || v === "true"),
  // Redis key prefix: separate deployments (or test servers) sharing one Redis never share counters.
  RATE_LIMIT_PREFIX: z.preprocess(emptyToUndefined, z.string().regex(/^[\w:.-]{1,64}$/).default("acp:rl")),
  // Sign-in attempts per 15 minutes per client IP (each account gets twice this from all IPs together).
  RATE_LIMIT_LOGIN_PER_15_MIN: intWithDefault(10, 1, 1_000_000_000),
  // The public URL (https://profiler.example.com): the one trusted origin; https turns on Secure
  // cookies and HSTS. Unset: the request's own Host is the origin (local use).
  APP_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  // Signs session cookies. Unset: a random secret kept in the database (shared by all instances).
  AUTH_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, "AUTH_SECRET must be at least 32 characters").optional()),
  // Creates the first owner at start when no user exists (containers, CI); else use the setup link.
  ADMIN_EMAIL: z.preprocess(emptyToUndefined, z.email().optional()),
  ADMIN_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(12, "ADMIN_PASSWORD must be at least 12 characters").max(128).optional()),
  // OpenID Connect sign-in, on when OIDC_ISSUER and OIDC_CLIENT_ID are set.
  OIDC_ISSUER: z.preprocess(emptyToUndefined, z.url().optional()),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_NAME: z.preprocess(emptyToUndefined, z.string().max(64).default("SSO")),
  OIDC_SCOPES: z.preprocess(emptyToUndefined, z.string().default("openid email profile")),
  // Role new OIDC users get on project `default` (none: an owner adds them with users:create or members.set).
  OIDC_DEFAULT_ROLE: z.preprocess(emptyToUndefined, z.enum(["none", "viewer", "member"]).default("none")),
  // What is kept of prompt text: full, redacted (emails, phone and card numbers, key-like strings masked), none (hash only).
  STORE_PROMPT_TEXT: z.preprocess(emptyToUndefined, z.enum(["full", "redacted", "none"]).default("full")),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  EMBEDDING_MODEL: z.preprocess(emptyToUndefined, z.string().default("text-embedding-3-small")),
  EMBEDDING_DIMENSIONS: intWithDefault(512, 64, 2000),
  // prompts.similar searches one instance runs at once (the rest wait their turn); unset: the
  // machine's cores. 0 = no limit. More at once than cores only makes each search slower.
  SIMILARITY_SEARCH_CONCURRENCY: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(1000).optional()),
  // The embedding worker runs inside every server by default; `off` leaves it to `npm run worker`.
  EMBEDDING_WORKER: z.preprocess(emptyToUndefined, z.enum(["on", "off"], { error: "EMBEDDING_WORKER must be on or off" }).default("on")),
  // How often each server folds new events into the rollups (src/server/rollups/); 0 = never (then
  // `foldAll` or another instance must). Reads are exact either way: only the unfolded tail grows.
  ROLLUP_FOLD_INTERVAL_MS: intWithDefault(250, 0, 3_600_000),
  // How often budgets are evaluated (src/features/budgets/); every server runs an evaluator and a
  // lease lets one work at a time. 0 = this server never evaluates. Alerts follow within lease + tick.
  BUDGET_EVALUATOR_INTERVAL_MS: intWithDefault(15_000, 0, 3_600_000),
  // How often the evaluator's lease holder looks for hourly spend anomalies and first calls of
  // unpriced models (checked after a tick; 0 = never).
  ANOMALY_INTERVAL_MS: intWithDefault(300_000, 0, 86_400_000),
  // Alert webhooks and SMTP servers on loopback, private, link-local or reserved addresses are
  // refused (SSRF) unless this is on: a deployment whose receivers live on its own network.
  NOTIFY_ALLOW_PRIVATE_TARGETS: z.preprocess(emptyToUndefined, z.enum(["0", "1", "true", "false"]).default("0")).transform((v) => v === "1" || v === "true"),
  // GET /api/v1/budgets/status requests per hour for each client IP and for each API key.
  RATE_LIMIT_BUDGET_STATUS_PER_HOUR: intWithDefault(36_000, 1, 1_000_000_000),
  // Prompts longer than this are stored truncated (and flagged) rather than rejected.
  PROMPT_MAX_CHARS: intWithDefault(32_768, 256, 1_000_000),
  // Demo data written on the first start of the embedded default (0 disables it).
  DEMO_EVENTS: intWithDefault(20_000, 0, 10_000_000),
  // OTLP ingestion: the span (then resource) attribute naming the feature; service.name otherwise.
  OTLP_FEATURE_ATTRIBUTE: z.preprocess(emptyToUndefined, z.string().max(256).default("feature")),
  // Rows per export before the file ends with a "truncated" marker (one snapshot, one connection).
  EXPORT_MAX_ROWS: intWithDefault(10_000_000, 1, 1_000_000_000),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type Env = z.infer<typeof schema>;

// Every variable this file reads: docs/configuration.md must list exactly these (src/env-docs.test.ts).
export const ENV_KEYS = Object.keys(schema.shape) as (keyof Env)[];

function load(): Env {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

export const env: Env = load();
