// npm run bench:sdk -- [--events 200000] [--batch 1000] [--calls 100000] [--pg URL] [--keep]
// 1. Delivery: events/s one process can track() and deliver through the SDK to `next start` on a
//    fresh database (real PostgreSQL), with back-pressure so nothing is dropped; exact count check.
// 2. track(): the time one call takes on the caller's thread during that delivery.
// 3. Wrapper overhead: added latency per wrapped call on the caller's path (stub client whose
//    create() resolves at once), p50/p99 of wrapped − unwrapped. Target: p99 ≤ 0.05 ms.
import os from "node:os";
import { createApiKey } from "~/server/auth/api-keys";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient, type DbClient } from "~/server/db";
import { createProfiler, type Profiler, type ProfilerError, type TrackEvent } from "../../sdk/src/index";
import { intArg } from "../lib/args";
import { verdict } from "./lib/load";
import { buildId, createBenchDatabase, DEFAULT_PG, ensureBuild, startNextServer, type BenchDatabase, type RunningServer } from "./lib/harness";
import { fmtInt } from "./lib/loop";
import { commandLine, row } from "./lib/report";
import { measureOverhead, pct, type OverheadResult } from "./lib/sdk-overhead";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const us = (ns: number) => (Number.isFinite(ns) ? `${(ns / 1000).toFixed(2)} µs` : "n/a");
const ms = (ns: number) => (Number.isFinite(ns) ? `${(ns / 1e6).toFixed(4)} ms` : "n/a");

function event(i: number): TrackEvent {
  return {
    provider: "openai",
    model: i % 3 === 0 ? "gpt-4o-mini" : "gpt-4o",
    feature: `feature-${i % 12}`,
    inputTokens: 800 + (i % 500),
    cachedInputTokens: i % 2 === 0 ? 512 : 0,
    outputTokens: 120 + (i % 80),
    latencyMs: 300 + (i % 900),
    prompt: `bench prompt ${i % 200}: summarise the quarterly spend by team`,
    userId: `u-${i % 50}`,
  };
}

/**
 * Tracks `total` events in chunks, pausing while more than `window` wait, then flushes. Also sums
 * the time spent inside track() itself: the caller's share of the work.
 */
async function deliver(profiler: Profiler, total: number, window: number, signal: AbortSignal): Promise<{ seconds: number; tracked: number; trackNs: number }> {
  const t0 = performance.now();
  let tracked = 0;
  let trackNs = 0;
  for (let i = 0; i < total && !signal.aborted; i += 1000) {
    const chunk = Array.from({ length: Math.min(total, i + 1000) - i }, (_, k) => event(i + k));
    const c0 = process.hrtime.bigint();
    for (const e of chunk) profiler.track(e);
    trackNs += Number(process.hrtime.bigint() - c0);
    tracked = Math.min(total, i + 1000);
    // Back-pressure, as an application would get from a bounded queue: bounded wait per chunk.
    for (let waited = 0; profiler.stats().pending > window && waited < 60_000 && !signal.aborted; waited += 2) await sleep(2);
  }
  await profiler.flush();
  return { seconds: (performance.now() - t0) / 1000, tracked, trackNs };
}

function overheadLines(r: OverheadResult): string[] {
  return [
    `${r.label} — ${fmtInt(r.calls)} pairs:`,
    row("unwrapped p50 / p99", `${us(pct(r.plainNs, 50))} / ${us(pct(r.plainNs, 99))}`),
    row("wrapped   p50 / p99", `${us(pct(r.wrappedNs, 50))} / ${us(pct(r.wrappedNs, 99))}`),
    row("added (paired diff) p50 / p99", `${ms(pct(r.diffNs, 50))} / ${ms(pct(r.diffNs, 99))}`),
    row("added (p99 wrapped − p99 plain)", ms(pct(r.wrappedNs, 99) - pct(r.plainNs, 99))),
  ];
}

export async function run(args: Map<string, string>, signal: AbortSignal): Promise<number> {
  const total = intArg(args, "events", 200_000);
  const batch = intArg(args, "batch", 1000);
  const calls = intArg(args, "calls", 100_000);
  const pg = args.get("pg") ?? DEFAULT_PG;
  if (batch < 1 || batch > 1000) throw new Error("--batch must be between 1 and 1000");
  const command = commandLine(process.argv.slice(2));
  console.log(`[bench] ${command}`);
  ensureBuild();
  let db: BenchDatabase | null = null;
  let client: DbClient | null = null;
  let server: RunningServer | null = null;
  let failed = false;
  try {
    db = await createBenchDatabase(pg);
    console.log(`[bench] database ${db.name} created; migrating…`);
    const dbc = createDbClient(db.url, { max: 2 });
    client = dbc;
    await prepareSchema(db.url, dbc);
    const { key, projectId } = await createApiKey(dbc.db, "bench-sdk", "bench");
    console.log("[bench] starting the server…");
    server = await startNextServer({ DATABASE_URL: db.url, LOG_LEVEL: "warn", RATE_LIMIT_EVENTS_PER_HOUR: "1000000000", REDIS_URL: "" }, signal);
    const errors: ProfilerError[] = [];
    const profiler = createProfiler({ apiKey: key, baseUrl: server.baseUrl, batchSize: batch, maxBufferSize: 50_000, flushOnExit: false, onError: (e) => errors.push(e) });

    console.log(`[bench] delivery: ${fmtInt(total)} events in ${batch}-event batches…`);
    await deliver(profiler, Math.min(total, 20_000), batch * 4, signal); // warm-up (JIT, pool, price cache)
    const warm = profiler.stats().delivered;
    const d = await deliver(profiler, total, batch * 4, signal);
    const stats = profiler.stats();

    const trackNs = d.trackNs / Math.max(1, d.tracked);

    await profiler.shutdown();
    console.log(`[bench] wrapper overhead: ${fmtInt(calls)} pairs, non-streaming then streaming…`);
    // Its own profiler, delivering in process (serialized, then discarded): the figure is about the
    // caller's path, and the delivery phase above already measured the network side.
    let sunk = 0;
    const sink = createProfiler({
      apiKey: "acp_bench", baseUrl: "http://127.0.0.1:9", batchSize: 1000, maxBufferSize: 1_000_000, flushOnExit: false,
      onError: (e) => errors.push(e),
      fetch: (_url, init) => {
        sunk += typeof init?.body === "string" ? 1 : 0;
        return Promise.resolve(new Response('{"accepted":0,"duplicates":0,"rejected":[]}', { status: 200 }));
      },
    });
    const plainCall = await measureOverhead(sink, false, calls, signal);
    const streamCall = await measureOverhead(sink, true, Math.ceil(calls / 5), signal);
    await sink.shutdown();
    const final = profiler.stats();

    const [row0] = await dbc.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId}`;
    const storedN = row0?.n ?? -1;
    const out: string[] = ["", "=== AI Cost Profiler: SDK benchmark ==="];
    out.push(row("command", command));
    out.push(row("machine", `${os.cpus().length} cores, node ${process.version}, build ${buildId()}, server + PostgreSQL on this machine`));
    out.push("", `Delivery through the SDK to the server (POST /api/v1/events, ${batch}-event batches, one in flight):`);
    out.push(row("events tracked and delivered", `${fmtInt(stats.delivered - warm)} in ${d.seconds.toFixed(2)} s`));
    out.push(row("events/s end to end", `${fmtInt((stats.delivered - warm) / d.seconds)}/s`));
    out.push(row("requests / retries", `${fmtInt(stats.requests)} / ${fmtInt(stats.retries)} (all phases)`));
    out.push("", "Caller's thread:");
    out.push(row("track() per event, mean", `${(trackNs / 1000).toFixed(3)} µs while delivering (${fmtInt(1e9 / trackNs)} calls/s of caller time)`));
    out.push(row("wrapped-call events recorded", `${fmtInt(sink.stats().tracked)} in ${fmtInt(sunk)} in-process batches, dropped ${sink.stats().dropped}`));
    out.push("", ...overheadLines(plainCall), "", ...overheadLines(streamCall));
    const p99 = pct(plainCall.diffNs, 99) / 1e6;
    out.push("", row("target: added p99 ≤ 0.05 ms", `${p99.toFixed(4)} ms ${verdict(p99 <= 0.05)}`));
    out.push("", "Checks:");
    const okCount = storedN === final.delivered;
    out.push(row("delivered = stored", `${fmtInt(final.delivered)} delivered, cost_events ${fmtInt(storedN)} ${okCount ? "OK" : "MISMATCH"}`));
    out.push(row("dropped / failed / SDK errors", `${final.dropped} / ${final.failed} / ${errors.length}${errors[0] ? ` (first: ${errors[0].kind}: ${errors[0].message})` : ""}`));
    if (!okCount || final.dropped > 0 || final.failed > 0 || errors.length > 0 || sink.stats().dropped > 0 || signal.aborted) failed = true;
    console.log(out.join("\n"));
  } catch (err) {
    failed = true;
    console.error(`[bench] failed: ${err instanceof Error ? err.message : String(err)}`);
    if (server) console.error(`[bench] last server lines:\n${server.tail().slice(-15).join("\n")}`);
  } finally {
    await server?.stop().catch((err: unknown) => console.error(`[bench] could not stop the server: ${String(err)}`));
    await client?.sql.end({ timeout: 5 }).catch(() => undefined);
    if (db && args.has("keep")) console.log(`[bench] kept database ${db.name}`);
    else await db?.drop().catch((err: unknown) => console.error(`[bench] could not drop ${db?.name ?? ""}: ${String(err)}`));
  }
  return failed ? 1 : 0;
}
