// Test helpers for the prompts feature (integration tier only).
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { pgUrl } from "~/test/integration";
import type { Sql } from "~/server/db";
import type { Embedder } from "./server/embedders/types";
import { drainQueue } from "./server/worker/worker";

let seq = 0;

/** A minimal valid event carrying `prompt`, priced as reported so costs are exact and known. */
export function promptEvent(prompt: string, o: { at?: Date | string; costUsd?: string | null; id?: string; model?: string } = {}) {
  seq += 1;
  return {
    id: o.id ?? `pe-${Date.now()}-${seq}`,
    timestamp: typeof o.at === "string" ? o.at : (o.at ?? new Date()).toISOString(),
    provider: "openai",
    model: o.model ?? (o.costUsd === null ? "no-such-model-unpriced" : "gpt-4o-mini"),
    inputTokens: 10,
    outputTokens: 5,
    ...(o.costUsd === null ? {} : { costUsd: o.costUsd ?? "0.001" }),
    prompt,
  };
}

/** Wraps an embedder: counts every text it is asked to embed, optionally slow or failing. */
export function countingEmbedder(
  base: Embedder,
  o: { delayMs?: number; fail?: (texts: string[], call: number) => Error | null; batchSize?: number } = {},
) {
  const counts = new Map<string, number>();
  let calls = 0;
  const embedder: Embedder = {
    ...base,
    batchSize: o.batchSize ?? base.batchSize,
    embed: async (texts, options) => {
      calls += 1;
      const call = calls;
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      const err = o.fail?.(texts, call);
      if (err) throw err;
      for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1);
      return base.embed(texts, options);
    },
  };
  return { embedder, counts, calls: () => calls };
}

/** A database of its own next to the test database (for tests that alter the schema). */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!pgUrl) throw new Error("no test database");
  const name = `acp_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(pgUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * Until every prompt of the project is embedded and linked. A plain project-scoped drain is not
 * enough in the shared test database: the test app server's own embedding worker may hold a claim
 * on some of the project's prompts (a lease the drain skips) and link them a moment later, after
 * the test has read its clusters or neighbours. Such claims are expired here — the late holder is
 * fenced by embed_attempts — and the rest is drained. The edges do not depend on who links what.
 */
export async function settleProject(sql: Sql, projectId: string, embedder: Embedder): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [row] = await sql<{ open: number }[]>`
      SELECT (SELECT count(*) FROM prompts WHERE project_id = ${projectId} AND NOT embed_done)::int
        + (SELECT count(*) FROM prompt_link_queue WHERE project_id = ${projectId})::int AS open`;
    if (row?.open === 0) return;
    await sql`UPDATE prompts SET embed_next_at = ${new Date(Date.now() - 1000).toISOString()}::timestamptz
      WHERE project_id = ${projectId} AND NOT embed_done`;
    await drainQueue({ sql, embedder, projectId, batchSize: 8 });
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`project ${projectId}: prompts still unembedded or unlinked`);
}
