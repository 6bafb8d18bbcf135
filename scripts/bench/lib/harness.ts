// Shared set-up for the benchmarks: a throw-away database on the real PostgreSQL, the built app
// started against it (scripts/serve.mjs, `next start` with the API routes called directly), and
// the checks around both. Everything here is bounded in time and talks to loopback only.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { serverArgs } from "~/startup/node-flags";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import postgres from "postgres";
import { createDatabase, dropDatabase, type ClusterNodes } from "../../lib/citus-cluster";

export const DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres";
export const DEFAULT_REDIS = "redis://127.0.0.1:6379";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Builds the app when `.next/BUILD_ID` is missing; warns when the build is older than the sources. */
export function ensureBuild(root = process.cwd()): void {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) {
    console.log("[bench] no production build (.next/BUILD_ID is missing): running `npx next build` (up to 20 min)…");
    const r = spawnSync("npx", ["next", "build"], { cwd: root, stdio: "inherit", timeout: 20 * 60_000 });
    if (r.status !== 0) throw new Error(`npx next build failed (exit ${r.status ?? r.signal ?? "?"}); fix the build and retry`);
    return;
  }
  const built = fs.statSync(buildId).mtimeMs;
  const newest = newestMtime(path.join(root, "src"));
  if (newest > built) {
    console.warn("[bench] warning: src/ changed after the last build; this measures the OLD build (run `npx next build` first)");
  }
}

function newestMtime(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export function buildId(root = process.cwd()): string {
  try {
    return fs.readFileSync(path.join(root, ".next", "BUILD_ID"), "utf8").trim();
  } catch {
    return "?";
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** True when a Redis at `url` answers PING within `timeoutMs`. */
export function redisReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const socket = net.connect({ host: u.hostname || "127.0.0.1", port: Number(u.port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString("utf8").startsWith("+PONG")));
  });
}

export type BenchDatabase = { name: string; url: string; drop: () => Promise<void> };

/**
 * Creates `acp_bench_<random>` next to the admin URL's database — on every node when the admin URL
 * is a Citus coordinator (npm run cluster:local), so the same bench measures the cluster.
 */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `acp_bench_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  let nodes: ClusterNodes | null = null;
  try {
    nodes = await createDatabase(admin, adminUrl, name);
    if (nodes) console.log(`[bench] Citus cluster: ${nodes.workers.length} workers`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    drop: async () => {
      const sql = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => undefined });
      try {
        await dropDatabase(sql, adminUrl, nodes, name);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

/** `--db NAME`: a database kept by an earlier `--keep` run of a benchmark, reused as it is (never dropped). */
export function reusedDatabase(adminUrl: string, name: string): BenchDatabase {
  if (!/^acp_bench_\w+$/.test(name)) throw new Error("--db must name a database created by a benchmark (acp_bench_…)");
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { name, url: u.toString(), drop: () => Promise.resolve() };
}

export type RunningServer = {
  pid: number;
  baseUrl: string;
  /** The last lines the server printed (for error reports). */
  tail: () => string[];
  stop: () => Promise<void>;
};

/** Which server the benches start (see startNextServer). */
export function serverKind(): "scripts/serve.mjs" | "next start" {
  return process.env.BENCH_SERVER === "next" ? "next start" : "scripts/serve.mjs";
}

/**
 * The production server (scripts/serve.mjs: `next start`, API routes called directly) on a free
 * port against `env.DATABASE_URL`; resolves once /api/health answers 200. `BENCH_SERVER=next` in the
 * bench's environment starts `next start` itself instead (every request through Next's request
 * path), to measure what serving the API directly changes.
 */
export async function startNextServer(
  env: Record<string, string>,
  signal: AbortSignal,
  { nodeArgs = [], timeoutMs = 90_000 }: { nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const plainNext = serverKind() === "next start";
  if (plainNext) console.log("[bench] BENCH_SERVER=next: next start itself, every request through Next's request path");
  const child = spawn(process.execPath, serverArgs(port, "127.0.0.1", { nodeArgs, ...(plainNext ? { next: "start" as const } : {}) }), {
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOSTNAME: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null, label: string) => {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (line.trim() === "") continue;
        lines.push(line);
        if (lines.length > 200) lines.shift();
        // LOG_LEVEL=warn: whatever the server still prints is worth seeing.
        if (label === "stderr" || /error|warn/i.test(line)) console.log(`  [server] ${line.slice(0, 400)}`);
      }
    });
  };
  collect(child.stdout, "stdout");
  collect(child.stderr, "stderr");
  const state: { exited: number | string | null } = { exited: null };
  child.once("exit", (code, sig) => {
    state.exited = code ?? sig ?? "?";
  });
  const server: RunningServer = {
    pid: child.pid ?? -1,
    baseUrl,
    tail: () => [...lines],
    stop: () => stopChild(child),
  };
  const started = performance.now();
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (state.exited !== null) throw new Error(`the server exited (${state.exited}) before becoming healthy:\n${lines.slice(-20).join("\n")}`);
    if (signal.aborted) break;
    if (performance.now() - started > timeoutMs) break;
    // null: not listening yet, or busy starting
    if ((await healthStatus(`${baseUrl}/api/health`, 5000)) === 200) {
      console.log(`[bench] server (${serverKind()}) healthy after ${((performance.now() - started) / 1000).toFixed(1)} s (pid ${server.pid})`);
      return server;
    }
    await sleep(250);
  }
  await server.stop();
  throw new Error(signal.aborted ? "interrupted while starting the server" : `server not healthy within ${timeoutMs / 1000} s:\n${lines.slice(-20).join("\n")}`);
}

/**
 * One GET of the health route: its status, or null when it failed or took over `timeoutMs`.
 * Always settles: node:http with its own deadline. (fetch aborted by AbortSignal.timeout while the
 * body was still arriving — a server answering its first request mid-start-up — left
 * `res.arrayBuffer()` pending forever on Node 20, and the bench with it.)
 */
function healthStatus(url: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(status);
    };
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.once("end", () => done(res.statusCode ?? null));
      res.once("error", () => done(null));
    });
    req.once("error", () => done(null));
    const deadline = setTimeout(() => done(null), timeoutMs);
  });
}

/** SIGTERM, wait up to 10 s, then SIGKILL. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
  if (timedOut) {
    child.kill("SIGKILL");
    await Promise.race([exited, sleep(5000)]);
  }
}
