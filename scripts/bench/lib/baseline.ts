// The same 500-event batches written without HTTP, from this process, to show where the time
// goes: (1) a raw INSERT … SELECT FROM unnest(…) of cost_events only, (2) the app's own
// statement (`insertEvents`: events + prompt dedupe + both rollups in one statement) fed with
// rows priced ahead, (3) the whole service without HTTP (`ingestEvents`: validation, pricing,
// hashing, then insertEvents). Each runs in its own project so the final checks stay exact.
import { createHash } from "node:crypto";
import { env } from "~/env";
import { ingestEvents, insertEvents, type EventRow, type PromptRow } from "~/features/ingestion/server";
import { computeCostPicos } from "~/features/pricing";
import { getPricer, type Pricer } from "~/features/pricing/server";
import { latencyBucket } from "~/lib/latency";
import { formatPicos } from "~/lib/money";
import { normalizePrompt, truncateText } from "~/lib/prompt";
import { ensureProject } from "~/server/auth/api-keys";
import type { DbClient } from "~/server/db";
import type { GeneratedEvent } from "../../lib/generate";
import { placeholderSuffixes, type BodyTemplate } from "./bodies";
import { closedLoop, type LoopResult } from "./loop";
import { cpuSplit, type CpuSnapshot, type CpuSplit } from "./proc";

export type BaselineName = "raw-insert" | "insert-events" | "ingest-events";
export type BaselineResult = { name: BaselineName; projectId: string; result: LoopResult; cpu: CpuSplit };

type Prepared = { suffixes: string[]; rows: EventRow[]; prompts: PromptRow[]; columns: Columns };
type Columns = {
  ts: string[]; provider: string[]; model: string[]; feature: string[]; userId: (string | null)[]; sessionId: (string | null)[];
  inputTokens: number[]; outputTokens: number[]; cached: number[]; cacheWrite: number[]; reasoning: number[];
  cost: (string | null)[]; costSource: string[]; latency: (number | null)[]; latencyBucket: (number | null)[];
  status: string[]; error: (string | null)[];
  promptHash: (string | null)[]; metadata: (string | null)[];
};

/** The row ingestEvents would build for a generated event (priced with the app's pricer). */
function toRow(e: GeneratedEvent, suffix: string, pricer: Pricer, prompts: Map<string, PromptRow>): EventRow {
  const ts = new Date(e.timestamp);
  const price = pricer(e.provider, e.model, ts);
  const cost = price ? computeCostPicos(price, e) : null;
  const hash = createHash("sha256").update(normalizePrompt(e.prompt), "utf8").digest("hex");
  if (!prompts.has(hash)) prompts.set(hash, { hash, ...truncateText(e.prompt, env.PROMPT_MAX_CHARS), length: e.prompt.length });
  return {
    event_id: suffix,
    ts: ts.toISOString(),
    provider: e.provider.toLowerCase(),
    model: e.model,
    feature: e.feature,
    user_id: e.userId,
    session_id: e.sessionId,
    input_tokens: e.inputTokens,
    output_tokens: e.outputTokens,
    cached_input_tokens: e.cachedInputTokens ?? 0,
    cache_write_tokens: e.cacheWriteTokens ?? 0,
    reasoning_tokens: e.reasoningTokens ?? 0,
    cost_usd: cost === null ? null : formatPicos(cost),
    cost_source: cost === null ? "unpriced" : "computed",
    latency_ms: e.latencyMs,
    latency_bucket: latencyBucket(e.latencyMs),
    status: e.status,
    error_message: e.errorMessage ?? null,
    prompt_hash: hash,
    metadata: e.metadata,
    service_tier: "standard",
    tags: e.tags ?? null,
  };
}

function prepare(t: BodyTemplate, pricer: Pricer): Prepared {
  const suffixes = placeholderSuffixes(t);
  const prompts = new Map<string, PromptRow>();
  const rows = t.events.map((e, i) => toRow(e, suffixes[i] ?? `-${i}`, pricer, prompts));
  const col = <K extends keyof EventRow>(k: K) => rows.map((r) => r[k]);
  return {
    suffixes,
    rows,
    prompts: [...prompts.values()],
    columns: {
      ts: col("ts"), provider: col("provider"), model: col("model"), feature: col("feature"), userId: col("user_id"),
      sessionId: col("session_id"), inputTokens: col("input_tokens"), outputTokens: col("output_tokens"),
      cached: col("cached_input_tokens"), cacheWrite: col("cache_write_tokens"), reasoning: col("reasoning_tokens"),
      cost: col("cost_usd"), costSource: col("cost_source"), latency: col("latency_ms"),
      latencyBucket: col("latency_bucket"), status: col("status"), error: col("error_message"), promptHash: col("prompt_hash"),
      metadata: rows.map((r) => (r.metadata === null ? null : JSON.stringify(r.metadata))),
    },
  };
}

// Array parameters need their array type oids (text[] 1009, int4[] 1007) or postgres.js sends
// them as scalars. Timestamps, costs and metadata travel as text[] and are cast per row, because
// drizzle replaces postgres.js' serializers of timestamptz[] and numeric[] with pass-throughs.
async function rawInsert(client: DbClient, projectId: string, p: Prepared, prefix: string): Promise<number> {
  const { sql } = client;
  const c = p.columns;
  const text = (v: (string | null)[]) => sql.array(v, 1009);
  const int = (v: (number | null)[]) => sql.array(v, 1007);
  const ids = p.suffixes.map((s) => prefix + s);
  const res = await sql`
    INSERT INTO cost_events (project_id, event_id, ts, provider, model, feature, user_id, session_id,
      input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
      cost_usd, cost_source, latency_ms, latency_bucket, status, error_message, prompt_hash, metadata)
    SELECT ${projectId}::uuid, u.event_id, u.ts::timestamptz, u.provider, u.model, u.feature, u.user_id, u.session_id,
      u.input_tokens, u.output_tokens, u.cached, u.cache_write, u.reasoning, u.cost::numeric, u.cost_source,
      u.latency, u.latency_bucket, u.status, u.error, decode(u.prompt_hash, 'hex'), u.metadata::jsonb
    FROM unnest(${text(ids)}::text[], ${text(c.ts)}::text[], ${text(c.provider)}::text[],
      ${text(c.model)}::text[], ${text(c.feature)}::text[], ${text(c.userId)}::text[], ${text(c.sessionId)}::text[],
      ${int(c.inputTokens)}::int[], ${int(c.outputTokens)}::int[], ${int(c.cached)}::int[], ${int(c.cacheWrite)}::int[],
      ${int(c.reasoning)}::int[], ${text(c.cost)}::text[], ${text(c.costSource)}::text[],
      ${int(c.latency)}::int[], ${int(c.latencyBucket)}::int[], ${text(c.status)}::text[], ${text(c.error)}::text[],
      ${text(c.promptHash)}::text[], ${text(c.metadata)}::text[])
      AS u(event_id, ts, provider, model, feature, user_id, session_id, input_tokens, output_tokens, cached,
        cache_write, reasoning, cost, cost_source, latency, latency_bucket, status, error, prompt_hash, metadata)
    ON CONFLICT (project_id, event_id) DO NOTHING`;
  return res.count;
}

export type BaselineOptions = {
  client: DbClient;
  templates: BodyTemplate[];
  workers: number;
  seconds: number;
  runTag: string;
  signal: AbortSignal;
  snapshot: () => CpuSnapshot;
};

export async function runBaselines(o: BaselineOptions): Promise<BaselineResult[]> {
  const out: BaselineResult[] = [];
  const names: BaselineName[] = ["raw-insert", "insert-events", "ingest-events"];
  for (const [i, name] of names.entries()) {
    if (o.signal.aborted) break;
    const projectId = await ensureProject(o.client.db, `bench-${name}`);
    const pricer = await getPricer(o.client.db, projectId);
    const prepared = o.templates.map((t) => prepare(t, pricer)); // outside the timed loop
    const pick = (seq: number) => {
      const t = o.templates[seq % o.templates.length];
      const p = prepared[seq % prepared.length];
      if (!t || !p) throw new Error("no templates");
      return { t, p, prefix: `${o.runTag}b${i}.${seq}` };
    };
    const expected = o.templates[0]?.slots ?? 0;
    const check = (accepted: number) =>
      accepted === expected ? ({ ok: true, events: accepted } as const) : ({ ok: false, error: `stored ${accepted} of ${expected}` } as const);
    console.log(`[bench] baseline ${name}: ${o.seconds} s, ${o.workers} connections…`);
    const before = o.snapshot();
    const result = await closedLoop({
      label: name,
      workers: o.workers,
      seconds: o.seconds,
      maxOps: Math.ceil(o.seconds * 1000 * o.workers),
      signal: o.signal,
      op: async (seq) => {
        const { t, p, prefix } = pick(seq);
        if (name === "raw-insert") return check(await rawInsert(o.client, projectId, p, prefix));
        if (name === "insert-events") {
          const rows = p.rows.map((r) => ({ ...r, event_id: prefix + r.event_id }));
          return check(await insertEvents(o.client.sql, projectId, rows, p.prompts));
        }
        const items = t.events.map((e, k) => ({ ...e, id: prefix + (p.suffixes[k] ?? "") }));
        const r = await ingestEvents(o.client, projectId, items);
        if (r.rejected.length > 0) return { ok: false, error: `rejected ${JSON.stringify(r.rejected.slice(0, 2))}` };
        return check(r.accepted);
      },
    });
    out.push({ name, projectId, result, cpu: cpuSplit(before, o.snapshot()) });
  }
  return out;
}
