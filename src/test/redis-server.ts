// A throw-away redis-server on its own loopback port, for tests that stop, pause or restart Redis
// without touching the shared instance other tests use. No persistence: a restart starts empty.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import net from "node:net";
import { freePort } from "./app-server";

export type ThrowawayRedis = {
  url: string;
  port: number;
  /** SIGTERM and wait for exit (connections drop at once, like a crash for clients). */
  stop: () => Promise<void>;
  /** Starts again on the same port (empty). */
  start: () => Promise<void>;
  /** SIGSTOP / SIGCONT: the TCP connection stays up but nothing answers — a "slow" Redis. */
  pause: () => void;
  resume: () => void;
};

export function redisServerAvailable(): boolean {
  const r = spawnSync("redis-server", ["--version"], { timeout: 5000 });
  return r.status === 0;
}

function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const proc = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    child = proc;
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${proc.exitCode}`);
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${port} did not answer PING within 5 s`);
  };
  const stop = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGCONT"); // a paused server cannot act on SIGTERM
    proc.kill("SIGTERM");
    await exited;
    child = null;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
  };
}
