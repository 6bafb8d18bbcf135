import { toPrice, type Price, type PriceEntry } from "./catalog";

/**
 * Finds the price of a call from what clients actually send: any casing, gateway prefixes
 * ("openai/gpt-4o", "models/gemini-2.5-pro"), dated snapshots, Bedrock and Vertex ids.
 *
 * Date rule: the entry with the latest effectiveFrom ≤ `at` wins. If `at` is earlier than every
 * entry, the EARLIEST entry is used: a call just before a model's listed date is almost always
 * a preview or a clock/backfill quirk, and its launch price beats storing it as unpriced.
 * Overrides (a project's custom prices) win over the catalog for the same provider+model from
 * their own effectiveFrom on; before that the catalog price still applies.
 */
export type PriceResolver = {
  resolve(provider: string, model: string, at: Date): Price | null;
};

type Group = { model: string; prices: Price[] }; // prices sorted by effectiveFrom, ascending
type Index = Map<string, Group>; // "provider\u0000name" → group; names are model ids and aliases
type Match = { catalog: Group | undefined; override: Group | undefined };

const MEMO_LIMIT = 10_000; // distinct (provider, model) strings seen; bounded so junk ids can't grow it

// Provider spellings from SDKs, gateways and OpenTelemetry (gen_ai.system) → catalog provider.
const DIRECT = new Map<string, string>(Object.entries({
  openai: "openai",
  "open-ai": "openai",
  anthropic: "anthropic",
  claude: "anthropic",
  google: "google",
  gemini: "google",
  "google-genai": "google",
  google_genai: "google",
  "google-ai-studio": "google",
  google_ai_studio: "google",
  googleai: "google",
  xai: "xai",
  "x-ai": "xai",
  x_ai: "xai",
  grok: "xai",
  mistral: "mistral",
  mistralai: "mistral",
  "mistral-ai": "mistral",
  mistral_ai: "mistral",
  deepseek: "deepseek",
  "deepseek-ai": "deepseek",
  deepseek_ai: "deepseek",
}));

// Clouds and gateways that resell several vendors at list price: the model id says whose it is.
const PLATFORMS = new Map<string, string | null>(Object.entries({
  azure: "openai",
  "azure-openai": "openai",
  azure_openai: "openai",
  "az.ai.openai": "openai",
  vertex_ai: "google",
  vertex: "google",
  "vertex-ai": "google",
  vertexai: "google",
  "google-vertex": "google",
  google_vertex: "google",
  "gcp.vertex_ai": "google",
  "gcp.gemini": "google",
  bedrock: null,
  aws: null,
  "aws-bedrock": null,
  "aws.bedrock": null,
  "amazon-bedrock": null,
  bedrock_converse: null,
  openrouter: null,
  litellm: null,
}));

const FAMILIES: [RegExp, string][] = [
  [/^claude/, "anthropic"],
  [/^gemini/, "google"],
  [/^(gpt-|chatgpt-|o\d(-|$))/, "openai"],
  [/^grok/, "xai"],
  [/^deepseek/, "deepseek"],
  [/^(mistral|codestral|ministral|magistral|devstral|pixtral|open-mistral)/, "mistral"],
];

// Each rule removes one version-ish suffix; they are applied repeatedly, most specific first.
const STRIP_RULES: RegExp[] = [
  /@[^@]*$/, // Vertex: claude-sonnet-4-5@20250929
  /(-v\d+)?:\d+$/, // Bedrock version: -v1:0
  /-latest$/,
  /-\d{4}-\d{2}-\d{2}$/, // OpenAI: gpt-4o-2024-08-06
  /-\d{8}$/, // Anthropic: claude-3-5-haiku-20241022
  /-(preview|exp)(-\d{2}-\d{2,4}|-\d{4})?$/, // Gemini: -preview-05-06, -preview-09-2025
  /-\d{3}$/, // Gemini: -001
  /-\d{4}$/, // Mistral/xAI/OpenAI: mistral-large-2411, grok-4-0709, gpt-4-0613
];

// Bedrock ids: [region.]vendor.model, e.g. "us.anthropic.claude-sonnet-4-5-20250929-v1:0".
const BEDROCK_RE = /^(?:[a-z]{2,6}(?:-[a-z]+)?\.)?(anthropic|mistral|deepseek|openai|xai)\.(.+)$/;

const key = (provider: string, name: string) => `${provider}\u0000${name}`;

/** The catalog provider a provider string means, or null for gateways/unknown names. */
export function canonicalProvider(provider: string): string | null {
  const p = provider.trim().toLowerCase();
  return DIRECT.get(p) ?? PLATFORMS.get(p) ?? null;
}

/** Lookup candidates for a model id, most exact first: the id itself, then stripped forms. */
export function modelIdCandidates(model: string): string[] {
  let cur = model.trim().toLowerCase();
  // OpenRouter spells Anthropic versions with dots: claude-3.5-sonnet, claude-sonnet-4.5.
  if (cur.startsWith("claude")) cur = cur.replace(/(\d)\.(\d)/g, "$1-$2");
  const out = cur ? [cur] : [];
  for (let changed = true; changed && cur; ) {
    changed = false;
    for (const rule of STRIP_RULES) {
      const next = cur.replace(rule, "");
      if (next !== cur && next.length > 0) {
        cur = next;
        out.push(cur);
        changed = true;
        break;
      }
    }
  }
  return out;
}

function buildIndex(entries: readonly PriceEntry[], isOverride: boolean): Index {
  const index: Index = new Map();
  for (const entry of entries) {
    const provider = entry.provider.toLowerCase();
    const model = entry.model.toLowerCase();
    const k = key(provider, model);
    let group = index.get(k);
    if (!group) {
      group = { model, prices: [] };
      index.set(k, group);
    }
    const price = toPrice({ ...entry, provider, model }, isOverride);
    // Same date twice (possible in overrides): the later row wins, like an upsert.
    const same = group.prices.findIndex((p) => p.effectiveFrom.getTime() === price.effectiveFrom.getTime());
    if (same >= 0) group.prices[same] = price;
    else group.prices.push(price);
  }
  for (const group of index.values()) {
    group.prices.sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
  }
  // Aliases last, so a real model id always beats someone else's alias of the same name.
  for (const entry of entries) {
    const provider = entry.provider.toLowerCase();
    const group = index.get(key(provider, entry.model.toLowerCase()));
    for (const alias of entry.aliases ?? []) {
      const k = key(provider, alias.toLowerCase());
      if (group && !index.has(k)) index.set(k, group);
    }
  }
  return index;
}

/** Latest price with effectiveFrom ≤ t, or undefined if all start later. */
function latestAt(prices: readonly Price[], t: number): Price | undefined {
  for (let i = prices.length - 1; i >= 0; i--) {
    const p = prices[i];
    if (p && p.effectiveFrom.getTime() <= t) return p;
  }
  return undefined;
}

export function createPriceResolver(entries: readonly PriceEntry[], overrides: readonly PriceEntry[] = []): PriceResolver {
  const catalog = buildIndex(entries, false);
  const custom = buildIndex(overrides, true);
  const memo = new Map<string, Match | null>();

  // Which catalog providers to try: the given one, what it stands for, and vendors named in a
  // "vendor/model" prefix. Only gateways also get the vendor guessed from the model name; a
  // direct provider is trusted, so "openai" + "claude-3-haiku" stays unpriced.
  function providersFor(provider: string, prefixes: string[], id: string): string[] {
    const raw = provider.trim().toLowerCase();
    const list = [raw]; // custom prices may use any provider name, e.g. "ollama"
    const primary = DIRECT.get(raw) ?? PLATFORMS.get(raw);
    if (primary) list.push(primary);
    for (const p of prefixes) {
      const named = DIRECT.get(p) ?? PLATFORMS.get(p);
      if (named) list.push(named);
    }
    if (PLATFORMS.has(raw)) {
      const family = FAMILIES.find(([re]) => re.test(id));
      if (family) list.push(family[1]);
    }
    return [...new Set(list)];
  }

  function lookup(provider: string, model: string): Match | null {
    const segments = model.trim().toLowerCase().split("/").filter((s) => s.length > 0);
    let id = segments.pop() ?? "";
    const prefixes = segments;
    const bedrock = BEDROCK_RE.exec(id);
    let providers: string[];
    if (bedrock?.[1] && bedrock[2]) {
      id = bedrock[2]; // the vendor part names the catalog provider directly
      providers = [...new Set([provider.trim().toLowerCase(), bedrock[1]])];
    } else {
      providers = providersFor(provider, prefixes, id);
    }
    for (const candidate of modelIdCandidates(id)) {
      for (const p of providers) {
        let cat = catalog.get(key(p, candidate));
        let own = custom.get(key(p, candidate));
        if (!cat && !own) continue;
        // An override keyed by the canonical id also covers the catalog's aliases, and vice versa.
        own ??= cat ? custom.get(key(p, cat.model)) : undefined;
        cat ??= own ? catalog.get(key(p, own.model)) : undefined;
        return { catalog: cat, override: own };
      }
    }
    return null;
  }

  function resolve(provider: string, model: string, at: Date): Price | null {
    const t = at instanceof Date ? at.getTime() : Number.NaN;
    if (Number.isNaN(t)) throw new RangeError("resolve: `at` must be a valid Date");
    const k = key(provider, model);
    let match = memo.get(k);
    if (match === undefined) {
      match = lookup(provider, model);
      if (memo.size >= MEMO_LIMIT) {
        const oldest = memo.keys().next();
        if (!oldest.done) memo.delete(oldest.value);
      }
      memo.set(k, match);
    }
    if (!match) return null;
    const own = match.override && latestAt(match.override.prices, t);
    if (own) return own;
    const group = match.catalog ?? match.override;
    if (!group) return null;
    return latestAt(group.prices, t) ?? group.prices[0] ?? null;
  }

  return { resolve };
}
