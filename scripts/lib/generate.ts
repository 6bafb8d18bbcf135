// Realistic synthetic LLM traffic for the demo, `npm run db:seed` and the benchmarks:
// a dozen features, models across providers, prompt templates with variations and exact
// repeats, long-tailed latency, some errors, cached tokens. Deterministic for a given seed.
import { seededRandom } from "~/lib/seeded-random";

export type GeneratedEvent = {
  id: string;
  timestamp: string;
  provider: string;
  model: string;
  feature: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  latencyMs: number;
  status: "success" | "error";
  errorMessage?: string;
  prompt: string;
  userId: string;
  sessionId: string;
  metadata: Record<string, string>;
  tags?: string[];
};

/** Seeded numbers for synthetic data (mulberry32). */
export const rng = seededRandom;

type ModelSpec = { provider: string; model: string; weight: number; speed: number; reasoning?: boolean; anthropicCache?: boolean };

const MODELS: ModelSpec[] = [
  { provider: "openai", model: "gpt-4o-mini", weight: 22, speed: 0.6 },
  { provider: "openai", model: "gpt-4o-2024-08-06", weight: 8, speed: 1 },
  { provider: "openai", model: "gpt-4.1-mini", weight: 10, speed: 0.7 },
  { provider: "openai", model: "gpt-5-mini", weight: 6, speed: 1.4, reasoning: true },
  { provider: "openai", model: "o4-mini", weight: 2, speed: 2.5, reasoning: true },
  { provider: "anthropic", model: "claude-sonnet-4-5", weight: 9, speed: 1.3, anthropicCache: true },
  { provider: "anthropic", model: "claude-haiku-4-5", weight: 8, speed: 0.6, anthropicCache: true },
  { provider: "google", model: "gemini-2.5-flash", weight: 12, speed: 0.5 },
  { provider: "google", model: "gemini-2.5-pro", weight: 3, speed: 1.8, reasoning: true },
  { provider: "mistral", model: "mistral-small-latest", weight: 5, speed: 0.5 },
  { provider: "deepseek", model: "deepseek-chat", weight: 6, speed: 1.1 },
  { provider: "xai", model: "grok-4-fast", weight: 3, speed: 0.8 },
  // A self-hosted model with no public price: shows up as `unpriced`, never as $0.
  { provider: "self-hosted", model: "acme-llama-70b-ft", weight: 1, speed: 1.2 },
];

type FeatureSpec = { name: string; weight: number; inTokens: number; outTokens: number; templates: string[] };

const FEATURES: FeatureSpec[] = [
  { name: "chat-assistant", weight: 20, inTokens: 1800, outTokens: 350, templates: [
    "You are a helpful assistant for {company}. Answer the customer's question about {topic} politely and concisely.",
    "You are a helpful assistant for {company}. Answer the question about {topic}. Be concise and polite.",
  ] },
  { name: "support-triage", weight: 12, inTokens: 900, outTokens: 60, templates: [
    "Classify this support ticket into one of: billing, bug, feature-request, account. Ticket: {ticket}",
  ] },
  { name: "summarize-ticket", weight: 10, inTokens: 2500, outTokens: 200, templates: [
    "Summarize the following support conversation in three bullet points for an agent: {ticket}",
    "Summarise the following support conversation in 3 bullet points for the agent: {ticket}",
  ] },
  { name: "doc-qa", weight: 10, inTokens: 6000, outTokens: 300, templates: [
    "Using only the documentation excerpts below, answer: how do I {task}? Excerpts: {docs}",
  ] },
  { name: "code-review", weight: 6, inTokens: 5000, outTokens: 700, templates: [
    "Review this diff for bugs, security issues and style. Diff: {diff}",
  ] },
  { name: "sql-generator", weight: 6, inTokens: 1500, outTokens: 150, templates: [
    "Translate to PostgreSQL SQL over the schema {schema}: {question}",
  ] },
  { name: "email-draft", weight: 8, inTokens: 700, outTokens: 400, templates: [
    "Draft a friendly follow-up email to {name} about {topic}.",
    "Write a short, friendly follow-up email to {name} regarding {topic}.",
  ] },
  { name: "search-rerank", weight: 10, inTokens: 1200, outTokens: 30, templates: [
    "Rank these 10 search results by relevance to the query '{query}'. Results: {docs}",
  ] },
  { name: "translation", weight: 5, inTokens: 600, outTokens: 600, templates: [
    "Translate into {language}, keeping the tone: {text}",
  ] },
  { name: "extraction", weight: 5, inTokens: 2000, outTokens: 250, templates: [
    "Extract the invoice number, total and due date as JSON from: {text}",
  ] },
  { name: "onboarding-bot", weight: 4, inTokens: 1100, outTokens: 300, templates: [
    "Welcome the new user {name} and explain how to {task} in {company}.",
  ] },
  { name: "release-notes", weight: 2, inTokens: 3500, outTokens: 800, templates: [
    "Write release notes for version {version} from these commit messages: {diff}",
  ] },
];

const FILL: Record<string, string[]> = {
  company: ["Acme", "Globex", "Initech", "Umbrella", "Hooli"],
  topic: ["refunds", "shipping times", "password reset", "pricing plans", "data export", "SSO setup"],
  ticket: ["My invoice is wrong", "App crashes on login", "Please add dark mode", "Cannot change my email", "Charged twice this month"],
  task: ["rotate an API key", "export data to CSV", "invite a teammate", "set a budget alert", "configure SSO"],
  docs: ["[1] API keys… [2] Exports… [3] Billing…", "[1] Teams… [2] Roles… [3] Audit log…"],
  diff: ["+ const total = items.reduce(...)", "- if (user) {\n+ if (user?.id) {", "+ await db.query(`SELECT * FROM t WHERE id = ${id}`)"],
  schema: ["orders(id, user_id, total, created_at)", "users(id, email, plan)"],
  question: ["revenue per month in 2025", "top 10 customers by spend", "users without orders"],
  name: ["Ada", "Grace", "Linus", "Margaret", "Ken"],
  query: ["cheap flights to Lisbon", "postgres keyset pagination", "best running shoes", "llm cost tracking"],
  language: ["French", "German", "Japanese", "Portuguese"],
  text: ["Invoice #4411, total €1,280.00, due 2026-12-01", "Thanks for your order! It ships tomorrow."],
  version: ["2.3.0", "2.4.0", "3.0.0-beta"],
};

function pickWeighted<T extends { weight: number }>(items: T[], r: number): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let x = r * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1] as T;
}

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.min(items.length - 1, Math.floor(r * items.length))] as T;
}

/** Standard normal from two uniforms (Box–Muller). */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * `users`: distinct end users (default 500); `tags`: size of the tag vocabulary (default the 12
 * named ones, more become tag-13, tag-14…). Customers and plans follow from the user.
 */
export type GenerateOptions = { seed?: number; days?: number; endMs?: number; idPrefix?: string; users?: number; tags?: number };

const CUSTOMERS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne", "soylent", "aperture"];
const PLANS = ["free", "pro", "team", "enterprise"];
const TAG_NAMES = ["prod", "beta", "experiment-a", "experiment-b", "mobile", "web", "api", "batch", "eu", "us", "internal", "canary"];

function tagVocabulary(n: number): string[] {
  return Array.from({ length: n }, (_, i) => TAG_NAMES[i] ?? `tag-${i + 1}`);
}

/** Customer and plan of a user: a few big customers hold most users, plans skew cheap. */
function accountOf(user: number): { customer: string; plan: string } {
  const h = Math.imul(user ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
  return { customer: CUSTOMERS[h % CUSTOMERS.length] ?? "acme", plan: PLANS[Math.min(3, Math.floor(((h >>> 8) % 100) / 30))] ?? "free" };
}

/** Yields `count` events spread over the last `days` days (more during working hours). */
export function* generateEvents(count: number, options: GenerateOptions = {}): Generator<GeneratedEvent> {
  const rand = rng(options.seed ?? 42);
  // A second stream for the attribution fields, so the rest of the data stays as it was.
  const attr = rng((options.seed ?? 42) ^ 0x9e3779b9);
  const users = options.users ?? 500;
  const vocabulary = tagVocabulary(options.tags ?? TAG_NAMES.length);
  const days = options.days ?? 30;
  const end = options.endMs ?? Date.now() - 60_000;
  const span = days * 86_400_000;
  const prefix = options.idPrefix ?? `gen-${options.seed ?? 42}`;
  for (let i = 0; i < count; i++) {
    const feature = pickWeighted(FEATURES, rand());
    const model = pickWeighted(MODELS, rand());
    let ts = end - Math.floor(rand() * span);
    // Working hours are busier: resample a third of the night-time calls into the day.
    const hour = new Date(ts).getUTCHours();
    if ((hour < 7 || hour > 19) && rand() < 0.35) ts = ts - (hour < 7 ? -8 : 8) * 3_600_000;
    ts = Math.min(ts, end);
    const template = pick(feature.templates, rand());
    // Few fill values per slot: many calls repeat a prompt exactly, others are near-duplicates.
    const prompt = template.replace(/\{(\w+)\}/g, (_, key: string) => pick(FILL[key] ?? [key], rand()));
    const scale = Math.exp(gaussian(rand) * 0.5);
    const inputTokens = Math.max(20, Math.round(feature.inTokens * scale));
    let outputTokens = Math.max(1, Math.round(feature.outTokens * Math.exp(gaussian(rand) * 0.6)));
    let reasoningTokens: number | undefined;
    if (model.reasoning) {
      reasoningTokens = Math.round(outputTokens * (0.5 + rand() * 2));
      outputTokens += reasoningTokens;
    }
    let cachedInputTokens: number | undefined;
    let cacheWriteTokens: number | undefined;
    const cacheRoll = rand();
    if (cacheRoll < 0.35) cachedInputTokens = Math.floor(inputTokens * (0.5 + rand() * 0.4));
    else if (model.anthropicCache && cacheRoll < 0.45) cacheWriteTokens = Math.floor(inputTokens * 0.6);
    const isError = rand() < 0.02;
    // Log-normal latency with a long tail; grows with output size and model speed.
    const latencyMs = Math.round((250 + outputTokens * 8) * model.speed * Math.exp(gaussian(rand) * 0.45));
    const userRoll = rand();
    const user = users === 500 ? Math.floor(userRoll ** 2 * 500) : Math.floor(attr() ** 2 * users);
    const account = accountOf(user);
    const tags = [...new Set(Array.from({ length: Math.floor(attr() * 3) }, () => pick(vocabulary, attr() ** 1.5)))];
    yield {
      id: `${prefix}-${i}`,
      timestamp: new Date(ts).toISOString(),
      provider: model.provider,
      model: model.model,
      feature: feature.name,
      inputTokens,
      outputTokens: isError ? 0 : outputTokens,
      ...(cachedInputTokens !== undefined ? { cachedInputTokens } : {}),
      ...(cacheWriteTokens !== undefined ? { cacheWriteTokens } : {}),
      ...(reasoningTokens !== undefined && !isError ? { reasoningTokens } : {}),
      latencyMs,
      status: isError ? "error" : "success",
      ...(isError ? { errorMessage: pick(["rate_limit_exceeded", "context_length_exceeded", "upstream timeout"], rand()) } : {}),
      prompt,
      userId: `user-${user}`,
      sessionId: `sess-${user}-${Math.floor(ts / 1_800_000)}`,
      metadata: {
        env: rand() < 0.9 ? "production" : "staging",
        region: pick(["eu-west", "us-east", "ap-south"], rand()),
        customer: account.customer,
        plan: account.plan,
      },
      ...(tags.length > 0 ? { tags } : {}),
    };
  }
}
