// The embedded default end to end, with no external service: PGlite + pgvector over the wire
// protocol, the same migrations, the price catalog, and the ingestion statement.
import { spawn } from "node:child_process";
import fs from "node:fs";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createApiKey, findActiveApiKey } from "~/server/auth/api-keys";
import { foldAll } from "~/server/rollups/fold";
import { prepareSchema } from "~/startup/bootstrap";
import { connectionTarget } from "~/server/db/connection-url";
import { startEmbeddedTestDb } from "~/test/embedded";
import { DataDirInUseError, embeddedPaths, startEmbeddedDb } from "./embedded-db";
import { generateEvents } from "./generate";

const db = startEmbeddedTestDb("acp-pglite-");

describe("embedded PGlite database", () => {
  it("has pgvector and every table after migrating", async () => {
    const ext = await db.client.sql`SELECT extversion FROM pg_extension WHERE extname = 'vector'`;
    expect(ext).toHaveLength(1);
    const tables = await db.client.sql<{ t: string }[]>`
      SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`;
    expect(tables.map((r) => r.t)).toEqual(
      expect.arrayContaining(["api_keys", "cost_events", "latency_hourly", "model_prices", "projects", "prompt_embeddings", "prompts", "usage_hourly"]),
    );
    const ff = await db.client.sql<{ o: string[] | null }[]>`SELECT reloptions AS o FROM pg_class WHERE relname = 'usage_daily'`;
    expect(ff[0]?.o).toContain("fillfactor=70"); // HOT updates for rollups (see migrate.ts)
    const prices = await db.client.sql`SELECT count(*)::int AS n FROM model_prices WHERE project_id IS NULL`;
    expect(prices[0]?.n).toBeGreaterThan(40);
  });

  it("migrating again is a no-op", async () => {
    await expect(prepareSchema(db.url, db.client)).resolves.toBeUndefined();
  });

  it("ingests, folds into the rollups and keeps them exact", async () => {
    const { projectId, key } = await createApiKey(db.client.db, "embedded-test");
    expect(await findActiveApiKey(db.client.db, key)).toMatchObject({ projectId });
    const events = [...generateEvents(1500, { seed: 3, days: 2, idPrefix: "e" })];
    const r = await ingestEvents(db.client, projectId, events);
    expect(r).toEqual({ accepted: 1500, duplicates: 0, rejected: [] });
    // The fold runs on PGlite too (one backend: its lock and snapshot functions behave the same).
    expect(await foldAll(db.client.sql)).toBe(1500);
    const sums = await db.client.sql<{ raw: string; roll: string; n: number }[]>`
      SELECT (SELECT sum(cost_usd)::text FROM cost_events WHERE project_id = ${projectId}) AS raw,
             (SELECT sum(cost_usd)::text FROM usage_hourly WHERE project_id = ${projectId}) AS roll,
             (SELECT count(*)::int FROM cost_events WHERE project_id = ${projectId}) AS n`;
    expect(sums[0]?.n).toBe(1500);
    expect(sums[0]?.roll).toBe(sums[0]?.raw);
  });

  it("listens on no TCP port: only on a socket in an owner-only folder of the data dir (issue 18)", () => {
    expect(db.url).not.toMatch(/@(127\.0\.0\.1|localhost):\d+\/postgres$/);
    const paths = embeddedPaths(db.dir);
    expect(db.url).toContain(`host=${encodeURIComponent(paths.runDir)}`);
    expect(fs.statSync(paths.runDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(paths.socket).isSocket()).toBe(true);
    expect(fs.statSync(paths.socket).mode & 0o077).toBe(0);
    expect(fs.statSync(paths.lock).mode & 0o077).toBe(0);
    // No TCP listener belongs to this process (the old default was a loopback port, no password).
    const tcp = fs.readFileSync("/proc/net/tcp", "utf8") + fs.readFileSync("/proc/net/tcp6", "utf8");
    const ownInodes = new Set(
      fs.readdirSync(`/proc/${process.pid}/fd`).map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${process.pid}/fd/${fd}`))?.[1] ?? "";
        } catch {
          return "";
        }
      }),
    );
    const listening = tcp.split("\n").slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f[3] === "0A" && ownInodes.has(f[9] ?? "-"));
    expect(listening).toEqual([]);
  });

  it("refuses a second open of the same data folder, naming the running server (issue 18)", async () => {
    const err = await startEmbeddedDb(db.dir, 1).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirInUseError);
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    expect((err as Error).message).toContain("already open by the running server");
  });

  it("a CLI run while the server runs uses the server's database over its socket (issue 18)", async () => {
    // Asynchronously: this process is the server, its event loop must keep answering.
    const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/keys-create.ts", "--project", "from-cli"], {
      env: { ...process.env, DATA_DIR: db.dir, DATABASE_URL: "", REDIS_URL: "" },
    });
    const r = { stdout: "", stderr: "", status: -1 };
    child.stdout.on("data", (d: Buffer) => (r.stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (r.stderr += d.toString()));
    r.status = await new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`running server's embedded database (pid ${process.pid})`);
    const key = r.stdout.trim();
    expect(key).toMatch(/^acp_/);
    expect(await findActiveApiKey(db.client.db, key)).not.toBeNull();
  }, 90_000);

  it("keeps concurrent clients' statements apart on the one backend (issue 18)", async () => {
    // Unnamed statements (prepare: false) are the ones two interleaved sequences would clobber.
    const target = connectionTarget(db.url);
    const open = () => postgres(target.url, { path: target.path, max: 1, prepare: false, onnotice: () => undefined });
    const [one, two] = [open(), open()];
    try {
      // Different statements on each side: a Bind landing on the other's Parse shows as a wrong answer.
      const n = Array.from({ length: 80 }, (_, i) => i);
      const [a, b] = await Promise.all([
        Promise.all(n.map((i) => one<{ v: string }[]>`SELECT ${`a-${i}`}::text AS v`.then((r) => r[0]?.v))),
        Promise.all(n.map((i) => two<{ v: string }[]>`SELECT upper(${`b-${i}`}::text) || '!' AS v`.then((r) => r[0]?.v))),
      ]);
      expect(a).toEqual(n.map((i) => `a-${i}`));
      expect(b).toEqual(n.map((i) => `B-${i}!`));
    } finally {
      await Promise.all([one.end({ timeout: 5 }), two.end({ timeout: 5 })]);
    }
  });
});
