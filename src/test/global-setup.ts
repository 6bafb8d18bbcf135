// Integration tier: a fresh database on the real PostgreSQL (pgvector required), migrated, and a
// real `next start` against it. When a service is absent the dependent tests skip and say so;
// under CI=true an absent service is an error instead.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { startAppServer, type AppServer } from "./app-server";
import { createDatabase, dropDatabase, type ClusterNodes } from "../../scripts/lib/citus-cluster";

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string | null;
    pgSkipReason: string;
    baseUrl: string | null;
    httpSkipReason: string;
    redisUrl: string | null;
    /** On a Citus cluster target (TEST_PG_URL is a coordinator): the nodes; null on plain PostgreSQL. */
    citus: ClusterNodes | null;
  }
}

const ADMIN_URL = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const inCi = process.env.CI === "true";
// On a Citus cluster target: a started node outside the cluster, for the rebalance test.
const CITUS_SPARE_URL = process.env.TEST_CITUS_SPARE_URL ?? null;

async function redisReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1000);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      resolve(d.toString().startsWith("+PONG"));
      socket.destroy();
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      resolve(false);
      socket.destroy();
    });
  });
}

export default async function setup(project: TestProject) {
  const redisUrl = (await redisReachable(REDIS_URL)) ? REDIS_URL : null;
  if (!redisUrl && inCi) throw new Error(`Redis is not reachable at ${REDIS_URL} (required under CI)`);
  project.provide("redisUrl", redisUrl);
  project.provide("pgUrl", null);
  project.provide("baseUrl", null);
  project.provide("citus", null);

  const admin = postgres(ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => undefined });
  try {
    await admin`SELECT 1`;
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => undefined);
    const reason = `PostgreSQL is absent (${ADMIN_URL}: ${err instanceof Error ? err.message : String(err)})`;
    if (inCi) throw new Error(reason);
    project.provide("pgSkipReason", reason);
    project.provide("httpSkipReason", reason);
    return;
  }
  const vector = await admin`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`;
  if (vector.length === 0) {
    await admin.end();
    const reason = "pgvector is not installed in PostgreSQL (run: bash scripts/setup-services.sh)";
    if (inCi) throw new Error(reason);
    project.provide("pgSkipReason", reason);
    project.provide("httpSkipReason", reason);
    return;
  }
  const dbName = `acp_test_${randomBytes(6).toString("hex")}`;
  // On a Citus coordinator (the cluster target of CI) the fresh database is made on every node with
  // the extensions and its own node list (Citus metadata is per database): scripts/lib/citus-cluster.ts.
  const citus = await createDatabase(admin, ADMIN_URL, dbName, CITUS_SPARE_URL);
  project.provide("citus", citus);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const pgUrl = url.toString();

  const { createDbClient } = await import("~/server/db");
  const { prepareSchema } = await import("~/startup/bootstrap");
  const client = createDbClient(pgUrl, { max: 2 });
  await prepareSchema(pgUrl, client);
  await client.sql.end();
  project.provide("pgUrl", pgUrl);
  project.provide("pgSkipReason", "");

  let server: AppServer | null = null;
  const built = fs.existsSync(path.resolve(".next/BUILD_ID"));
  if (!built) {
    const reason = "the app is not built (.next/BUILD_ID missing): run `npm test`, which builds it";
    if (inCi) throw new Error(reason);
    project.provide("httpSkipReason", reason);
  } else {
    server = await startAppServer({
      DATABASE_URL: pgUrl,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      RATE_LIMIT_EVENTS_PER_HOUR: "100000000",
      // Tests sign in many users from one address; the login limit has its own server in its test.
      RATE_LIMIT_LOGIN_PER_15_MIN: "100000000",
      LOG_LEVEL: "warn",
    });
    project.provide("baseUrl", server.url);
    project.provide("httpSkipReason", "");
  }

  return async () => {
    await server?.stop();
    await dropDatabase(admin, ADMIN_URL, citus, dbName);
    await admin.end();
  };
}
