import { z } from "zod";

// The only reader of process.env: every setting is parsed and validated once, here.
const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const intWithDefault = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));

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
  TRUSTED_PROXIES: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  EMBEDDING_MODEL: z.preprocess(emptyToUndefined, z.string().default("text-embedding-3-small")),
  EMBEDDING_DIMENSIONS: intWithDefault(512, 64, 2000),
  // Prompts longer than this are stored truncated (and flagged) rather than rejected.
  PROMPT_MAX_CHARS: intWithDefault(32_768, 256, 1_000_000),
  // Demo data written on the first start of the embedded default (0 disables it).
  DEMO_EVENTS: intWithDefault(20_000, 0, 10_000_000),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type Env = z.infer<typeof schema>;

function load(): Env {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

export const env: Env = load();
