// Starts the real production server (scripts/serve.mjs on the build) on a free port with its own
// environment, for tests that need a server configured differently from the shared one;
// `plainNext`: `next start` itself, every request through Next (the reference serve.int.test.ts
// compares the production server's API answers with).
import { spawn, type ChildProcess } from "node:child_process";
import { serverArgs } from "~/startup/node-flags";
import net from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

export type AppServer = { url: string; port: number; process: ChildProcess; stop: () => Promise<void> };

/**
 * `readyStatus`: the /api/health status that means "serving" (200 normally, 503 when the test
 * points the app at a database that is down on purpose).
 */
export async function startAppServer(
  env: Record<string, string>,
  options: { readyStatus?: number; timeoutMs?: number; port?: number; plainNext?: boolean } = {},
): Promise<AppServer> {
  // `port`: start again where a stopped server listened (restart tests keep their clients' URL).
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    serverArgs(port, "127.0.0.1", options.plainNext ? { next: "start" } : {}),
    {
      // EMBEDDING_WORKER off unless asked: a server-wide worker would race the tests' own
      // project-scoped workers on the shared test database. The budget evaluator likewise (tests
      // run their own, on leases of their own).
      env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "error", NEXT_TELEMETRY_DISABLED: "1", EMBEDDING_WORKER: "off", BUDGET_EVALUATOR_INTERVAL_MS: "0", ...env },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const readyStatus = options.readyStatus ?? 200;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    const res = await fetch(`${url}/api/health`).catch(() => null);
    if (res?.status === readyStatus) return { url, port, process: child, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`the server on port ${port} did not answer /api/health ${readyStatus} in time`);
}
