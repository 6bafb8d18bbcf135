// npm run bench:insights -- [--events 1000000] [--iterations 100] [--pg URL] [--fresh] [--drop]
//   [--name acp_bench_insights] (another database name: the smoke test uses its own)
// Seeds (or reuses) ≥ N events over 30 days through the ingestion service, starts `next start` and
// times insights.whatIf, insights.tierCliffs, insights.cacheOpportunities and events.receipt over
// HTTP (target: p95 ≤ 200 ms over 30 days of ≥ 1M events), plus the FOCUS export's rows/s.
import { verdict } from "./lib/load";
import postgres from "postgres";
import superjson from "superjson";
import { createApiKey } from "~/server/auth/api-keys";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient } from "~/server/db";
import { foldAll } from "~/server/rollups/fold";
import { intArg } from "../lib/args";
import { seedEvents } from "../lib/seed";
import { buildId, DEFAULT_PG, ensureBuild, startNextServer } from "./lib/harness";
import { fmtInt, fmtMs, percentiles } from "./lib/loop";
import { commandLine, row } from "./lib/report";

const PROJECT = "bench-insights";
const DAY = 86_400_000;

async function ensureDatabase(adminUrl: string, fresh: boolean, dbName: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    if (fresh) await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    const exists = await admin`SELECT 1 FROM pg_database WHERE datname = ${dbName}`;
    if (exists.length === 0) await admin.unsafe(`CREATE DATABASE ${dbName}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}

export async function run(args: Map<string, string>, signal: AbortSignal): Promise<number> {
  const events = intArg(args, "events", 1_000_000);
  const iterations = intArg(args, "iterations", 100);
  const dbName = args.get("name") ?? "acp_bench_insights";
  if (!/^acp_bench_\w{1,40}$/.test(dbName)) throw new Error("--name must start with acp_bench_ (letters, digits, _)");
  const adminUrl = args.get("pg") ?? DEFAULT_PG;
  console.log(`[bench] ${commandLine(process.argv.slice(2))}`);
  ensureBuild();
  const url = await ensureDatabase(adminUrl, args.has("fresh"), dbName);
  const client = createDbClient(url, { max: 6 });
  let server: Awaited<ReturnType<typeof startNextServer>> | null = null;
  try {
    await prepareSchema(url, client);
    const { projectId, key } = await createApiKey(client.db, PROJECT, `bench-${Date.now()}`);
    const [{ n } = { n: 0 }] = await client.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId}`;
    if (n < events) {
      console.log(`[bench] seeding ${fmtInt(events - n)} events (have ${fmtInt(n)})…`);
      const r = await seedEvents(client, projectId, events - n, { seed: 2000 + n, idPrefix: `i${n}`, days: 30, concurrency: 4 });
      console.log(`[bench] seeded ${fmtInt(r.accepted)} in ${r.seconds.toFixed(0)} s`);
      const t0 = performance.now();
      const folded = await foldAll(client.sql);
      console.log(`[bench] folded ${fmtInt(folded)} events into the rollups in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await client.sql`VACUUM ANALYZE cost_events`;
      await client.sql`VACUUM ANALYZE token_mix_daily`;
    }
    // The figures are for folded rollups: a seeding run cut short (or an older bench) leaves a tail.
    if ((await foldAll(client.sql)) > 0) await client.sql`VACUUM ANALYZE token_mix_daily`;
    const [{ total } = { total: 0 }] = await client.sql<{ total: number }[]>`SELECT count(*)::int AS total FROM cost_events WHERE project_id = ${projectId}`;
    const [{ mix } = { mix: 0 }] = await client.sql<{ mix: number }[]>`SELECT count(*)::int AS mix FROM token_mix_daily WHERE project_id = ${projectId}`;
    const [sample] = await client.sql<{ event_id: string }[]>`SELECT event_id FROM cost_events WHERE project_id = ${projectId} ORDER BY ts DESC LIMIT 1`;
    if (signal.aborted) return 130;

    server = await startNextServer({ DATABASE_URL: url, LOG_LEVEL: "warn", EMBEDDING_WORKER: "off" }, signal);
    const base = server.baseUrl;
    const call = async (proc: string, input: unknown) => {
      const q = encodeURIComponent(JSON.stringify(superjson.serialize(input)));
      const res = await fetch(`${base}/api/trpc/${proc}?input=${q}`, { headers: { authorization: `Bearer ${key}` } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${proc}: HTTP ${res.status} ${text.slice(0, 300)}`);
    };
    const from = new Date(Date.now() - 30 * DAY);
    const lines: string[] = [];
    let worstP95 = 0;
    const time = async (label: string, proc: string, input: unknown) => {
      for (let i = 0; i < Math.min(5, iterations); i++) await call(proc, input);
      const samples: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const t0 = performance.now();
        await call(proc, input);
        samples.push(performance.now() - t0);
      }
      const [p50, p95, p99] = percentiles(samples, [50, 95, 99]);
      worstP95 = Math.max(worstP95, p95 ?? Infinity);
      lines.push(row(label, `p50 ${fmtMs(p50 ?? NaN)}  p95 ${fmtMs(p95 ?? NaN)}  p99 ${fmtMs(p99 ?? NaN)} ms`));
    };
    const targets = [
      { provider: "openai", model: "gpt-5-mini" },
      { provider: "anthropic", model: "claude-sonnet-4-5", serviceTier: "batch" },
      { provider: "google", model: "gemini-2.5-flash" },
    ];
    await time("insights.whatIf 30 d, 3 targets", "insights.whatIf", { from, targets });
    await time("insights.tierCliffs 30 d", "insights.tierCliffs", { from });
    await time("insights.cacheOpportunities 30 d", "insights.cacheOpportunities", { from });
    if (sample) await time("events.receipt", "events.receipt", { id: sample.event_id });
    const t0 = performance.now();
    const res = await fetch(`${base}/api/export/focus?format=csv&from=${from.toISOString()}`, { headers: { authorization: `Bearer ${key}` } });
    const focusRows = (await res.text()).split("\n").filter((l) => l !== "").length - 1; // no newlines inside our cells
    const focusMs = performance.now() - t0;

    console.log(`\nbench:insights — ${fmtInt(total)} events (${fmtInt(mix)} token-mix rows) in project ${PROJECT}, build ${buildId()}, ${iterations} sequential requests each`);
    for (const l of lines) console.log(l);
    console.log(row("FOCUS export 30 d (csv)", `${fmtInt(focusRows)} rows in ${fmtMs(focusMs)} ms`));
    console.log(row("target insights.* p95 ≤ 200 ms (30 d, ≥ 1M events)", verdict(worstP95 <= 200 && total >= 1_000_000)));
    console.log(`\ncommand: ${commandLine(process.argv.slice(2))}`);
    return 0;
  } finally {
    await server?.stop();
    await client.sql.end({ timeout: 5 });
    if (args.has("drop")) {
      const admin = postgres(adminUrl, { max: 1 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  }
}
