// The SDK against the real app (`next start` on PostgreSQL): batches arrive; a 429 storm from the
// real rate limiter and a server restart mid-run lose nothing and duplicate nothing.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, expect, inject, it } from "vitest";
import { createProfiler, type Profiler, type ProfilerError, type TrackEvent } from "../../../sdk/src/index";
import { freePort, startAppServer, type AppServer } from "~/test/app-server";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl } from "~/test/integration";
import { picosToUsd, projectTotals } from "./totals";

afterAll(closeTestDb);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const servers: AppServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(stop));
});

/**
 * SIGTERM, then SIGKILL after 5 s. `next start` shuts down gracefully by waiting for its open
 * connections, and a client retrying over keep-alive every few hundred ms keeps one busy for as
 * long as it likes; a crash is a restart too.
 */
async function stop(server: AppServer): Promise<void> {
  const child = server.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  if (await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])) return;
  child.kill("SIGKILL");
  await exited;
}

/** A server of our own (in-process limiter, own key prefix) on `port`. */
async function start(port: number, eventsPerHour: number): Promise<AppServer> {
  const server = await startAppServer(
    { DATABASE_URL: inject("pgUrl") ?? "", REDIS_URL: "", RATE_LIMIT_EVENTS_PER_HOUR: String(eventsPerHour), RATE_LIMIT_PREFIX: `acp-sdk-${randomBytes(4).toString("hex")}` },
    { port },
  );
  servers.push(server);
  return server;
}

/** Events with reported costs, so the expected total is known to the picodollar. */
function makeEvents(n: number, tag: string): { events: TrackEvent[]; costPicos: bigint; inputTokens: number } {
  const events: TrackEvent[] = [];
  let costPicos = 0n;
  let inputTokens = 0;
  for (let i = 0; i < n; i++) {
    const picos = BigInt(1_000_003 * (i + 1)); // distinct, exact amounts
    costPicos += picos;
    inputTokens += 100 + i;
    events.push({ provider: "openai", model: "gpt-4o-mini", inputTokens: 100 + i, outputTokens: 7, costUsd: picosToUsd(picos), feature: tag });
  }
  return { events, costPicos, inputTokens };
}

/** A fetch that remembers every status (or network failure) the SDK saw. */
function watchedFetch(log: (number | "network")[]): typeof fetch {
  return async (input, init) => {
    try {
      const res = await fetch(input, init);
      log.push(res.status);
      return res;
    } catch (err) {
      log.push("network");
      throw err;
    }
  };
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(25);
  if (!cond()) throw new Error("condition not reached in time");
}

function profilerFor(baseUrl: string, key: string, seen: (number | "network")[], errors: ProfilerError[], batchSize: number): Profiler {
  return createProfiler({
    apiKey: key, baseUrl, batchSize, flushIntervalMs: 50, flushOnExit: false,
    // Enough retries to ride out a `next start` restart (several seconds) with short waits.
    maxRetries: 80, retryBaseDelayMs: 50, maxRetryDelayMs: 500, requestTimeoutMs: 10_000,
    fetch: watchedFetch(seen), onError: (e) => errors.push(e),
  });
}

describeWithHttp("SDK delivery to the real app", () => {
  it("delivers batches of at most batchSize, every event once, totals exact", async () => {
    const { projectId, key } = await newProject("sdk");
    const { events, costPicos, inputTokens } = makeEvents(1050, "batches");
    const seen: (number | "network")[] = [];
    const errors: ProfilerError[] = [];
    const profiler = profilerFor(requireBaseUrl(), key, seen, errors, 100);
    for (const e of events) profiler.track(e);
    await profiler.shutdown();
    expect(errors).toEqual([]);
    expect(profiler.stats()).toMatchObject({ tracked: 1050, delivered: 1050, failed: 0, dropped: 0, pending: 0, requests: 11 });
    expect(seen.every((s) => s === 200)).toBe(true);
    expect(await projectTotals(projectId)).toEqual({ events: 1050, distinctIds: 1050, inputTokens, outputTokens: 7350, costUsd: picosToUsd(costPicos) });
  });

  it("rides out a 429 storm from the real rate limiter without losing or doubling anything", { timeout: 180_000 }, async () => {
    const { projectId, key } = await newProject("sdk-429");
    const port = await freePort();
    let server = await start(port, 2); // 2 requests per hour: the storm starts with the third batch
    const { events, costPicos, inputTokens } = makeEvents(600, "storm");
    const seen: (number | "network")[] = [];
    const errors: ProfilerError[] = [];
    const profiler = profilerFor(server.url, key, seen, errors, 50);
    for (const e of events) profiler.track(e);
    const flushed = profiler.flush();
    await waitFor(() => seen.filter((s) => s === 429).length >= 5, 30_000);
    // The storm ends: the same address comes back with a generous limit.
    await stop(server);
    server = await start(port, 1_000_000);
    await flushed;
    await profiler.shutdown();
    expect(errors).toEqual([]);
    expect(seen.slice(0, 3)).toEqual([200, 200, 429]);
    expect(profiler.stats()).toMatchObject({ tracked: 600, delivered: 600, failed: 0, pending: 0 });
    expect(await projectTotals(projectId)).toEqual({ events: 600, distinctIds: 600, inputTokens, outputTokens: 4200, costUsd: picosToUsd(costPicos) });
  });

  it("survives a server restart mid-run: nothing lost, nothing counted twice", { timeout: 180_000 }, async () => {
    const { projectId, key } = await newProject("sdk-restart");
    const port = await freePort();
    const server = await start(port, 1_000_000);
    const { events, costPicos, inputTokens } = makeEvents(2000, "restart");
    const seen: (number | "network")[] = [];
    const errors: ProfilerError[] = [];
    const profiler = profilerFor(server.url, key, seen, errors, 25);
    const track = (from: number, to: number) => events.slice(from, to).forEach((e) => profiler.track(e));
    // Phases pinned to the server's state rather than to timing, so a slow machine cannot skip one:
    // delivered while up; buffered and retried while down; the rest while it comes back.
    track(0, 500);
    await profiler.flush();
    await stop(server);
    track(500, 1000);
    await waitFor(() => seen.includes("network"), 30_000);
    const restarting = start(port, 1_000_000);
    track(1000, 1500);
    await restarting;
    track(1500, 2000);
    await profiler.shutdown();
    expect(errors).toEqual([]);
    expect(profiler.stats().retries).toBeGreaterThan(0);
    expect(profiler.stats()).toMatchObject({ tracked: 2000, delivered: 2000, failed: 0, dropped: 0, pending: 0 });
    expect(await projectTotals(projectId)).toEqual({ events: 2000, distinctIds: 2000, inputTokens, outputTokens: 14_000, costUsd: picosToUsd(costPicos) });
  });
});
