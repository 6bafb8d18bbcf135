// Crash safety, measured (issue 18): SIGKILL the server in the middle of sustained ingestion, on
// PostgreSQL and on the embedded default (the PGlite launcher, scripts/start.ts), start it again,
// and check that every event acknowledged with a 2xx is stored exactly once, that the rollups equal
// the raw events, and that a client resending what was in flight ends with each event once.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, expect, it } from "vitest";
import { createApiKey } from "~/server/auth/api-keys";
import { createDbClient } from "~/server/db";
import { connectionTarget } from "~/server/db/connection-url";
import { freePort, startAppServer } from "~/test/app-server";
import { freshDatabase } from "~/test/auth";
import { audit, ingestUntilKilled, post, type LoadOutcome } from "~/test/crash-load";
import { describeWithHttp } from "~/test/integration";
import { embeddedPaths, socketUrl } from "../../scripts/lib/embedded-db";

const LOAD = { workers: 4, batchSize: 25, killAfter: 1500 };
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Resends what was in flight (a client's retry) and checks that every event is then there once. */
async function resendAndAudit(url: string, key: string, sql: postgres.Sql, projectId: string, load: LoadOutcome, label: string) {
  const after = await audit(sql, projectId, load.acked);
  console.log(
    `[crash] ${label}: ${load.acked.size} acknowledged events checked after SIGKILL, ${after.lost} lost, ${after.duplicated} duplicated; ` +
      `${load.unacked.length} batches unacknowledged (in flight or refused at the kill)`,
  );
  expect(after.lost, `${label}: acknowledged events lost`).toBe(0);
  expect(after.duplicated).toBe(0);
  expect(after.rollupsMatch, after.detail).toBe(true);
  const all = new Set(load.acked);
  for (const batch of load.unacked) {
    expect(await post(url, key, batch)).toBe(true);
    for (const id of batch.ids) all.add(id);
  }
  const final = await audit(sql, projectId, all);
  expect(final.lost).toBe(0);
  expect(final.duplicated).toBe(0);
  expect(final.rollupsMatch, final.detail).toBe(true);
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId}`;
  expect(row?.n).toBe(all.size);
}

describeWithHttp("crash safety under SIGKILL (issue 18)", () => {
  it("PostgreSQL: every acknowledged event survives exactly once, rollups equal raw events", { timeout: 240_000 }, async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const setup = createDbClient(db.url, { max: 1 });
    const { projectId, key } = await createApiKey(setup.db, "crash-pg");
    await setup.sql.end();
    const env = { DATABASE_URL: db.url, REDIS_URL: "", RATE_LIMIT_DISABLED: "1" };
    const first = await startAppServer(env);
    cleanups.push(first.stop);
    const load = await ingestUntilKilled({ ...LOAD, url: first.url, key, prefix: "pg", kill: () => first.process.kill("SIGKILL") });
    const second = await startAppServer(env, { port: first.port });
    cleanups.push(second.stop);
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      await resendAndAudit(second.url, key, sql, projectId, load, "PostgreSQL");
    } finally {
      await sql.end();
    }
  });

  it("embedded PGlite (npm start's launcher): the same after SIGKILL of the whole app", { timeout: 300_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-crash-"));
    cleanups.push(() => Promise.resolve(fs.rmSync(dataDir, { recursive: true, force: true })));
    const key = `acp_${randomBytes(24).toString("base64url")}`;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      DATABASE_URL: "",
      REDIS_URL: "",
      BOOTSTRAP_API_KEY: key,
      DEMO_EVENTS: "0",
      EMBEDDING_WORKER: "off",
      RATE_LIMIT_DISABLED: "1",
      LOG_LEVEL: "error",
      NODE_ENV: "production" as const,
    };
    const launch = async (): Promise<ChildProcess> => {
      // Its own process group: SIGKILL takes the launcher (which runs PGlite) and next start at once.
      const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/start.ts"], { env, detached: true, stdio: ["ignore", "ignore", "inherit"] });
      const killGroup = () => {
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      };
      cleanups.push(() => Promise.resolve(killGroup()));
      for (let i = 0; i < 600; i++) {
        if (child.exitCode !== null) throw new Error(`the launcher exited with ${child.exitCode}`);
        const res = await fetch(`${url}/api/health`).catch(() => null);
        if (res?.status === 200) return child;
        await new Promise((r) => setTimeout(r, 250));
      }
      killGroup();
      throw new Error("the embedded app did not become healthy");
    };
    const first = await launch();
    const firstPid = first.pid ?? 0;
    const load = await ingestUntilKilled({ ...LOAD, url, key, prefix: "pglite", kill: () => process.kill(-firstPid, "SIGKILL") });
    if (first.exitCode === null && first.signalCode === null) await new Promise((r) => first.once("exit", r));
    // The lock and socket left by the killed launcher are stale; the new one must clear them.
    const lock = embeddedPaths(dataDir).lock;
    expect(fs.existsSync(lock)).toBe(true);
    // The lock's owner is the script process tsx runs (a child of the process awaited above): wait
    // until it is gone too, as after any crash, before starting again.
    const owner = (JSON.parse(fs.readFileSync(lock, "utf8")) as { pid?: number }).pid ?? 0;
    const alive = () => {
      try {
        process.kill(owner, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 200 && owner > 0 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(), "the killed launcher's script process is gone").toBe(false);
    await launch();
    const target = connectionTarget(socketUrl(embeddedPaths(dataDir).runDir));
    const sql = postgres(target.url, { path: target.path, max: 1, onnotice: () => undefined });
    try {
      const [project] = await sql<{ id: string }[]>`SELECT id FROM projects WHERE name = 'default'`;
      await resendAndAudit(url, key, sql, project?.id ?? "", load, "embedded PGlite");
    } finally {
      await sql.end();
    }
  });
});
