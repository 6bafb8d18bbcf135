import "server-only";
import net from "node:net";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { env } from "~/env";
import { connectionTarget } from "./connection-url";
import * as schema from "./schema";

export type Db = PostgresJsDatabase<typeof schema>;
export type Sql = postgres.Sql;
export type DbClient = { db: Db; sql: Sql };
/** The database or an open transaction on it: helpers that compose into a caller's transaction take this. */
export type DbOrTx = Db | Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * A TCP socket with Nagle's algorithm off, as libpq and most drivers open theirs (postgres.js does
 * not): a message written while an earlier one is unacknowledged otherwise waits for the server's
 * delayed ACK, up to 40 ms — measured: a COPY's closing message after its data, 56 ms per
 * statement against 10 with this. postgres.js calls the factory for every (re)connection and, given
 * a socket, starts the startup exchange at once; a socket still connecting queues those writes, and
 * its errors and postgres.js's connect timeout work as without the factory.
 */
function tcpSocket(o: { host: string[]; port: number[] }): net.Socket {
  const socket = new net.Socket();
  socket.setNoDelay(true);
  socket.connect(o.port[0] ?? 5432, o.host[0] ?? "localhost");
  return socket;
}

export function createDbClient(url: string, options: { max?: number } = {}): DbClient {
  const target = connectionTarget(url);
  const sql = postgres(target.url, {
    ...(target.path ? { path: target.path } : { socket: tcpSocket }),
    max: options.max ?? env.DB_POOL_MAX,
    // Fail fast when the database is unreachable so callers can answer 503 instead of hanging.
    connect_timeout: 5,
    idle_timeout: 30,
    onnotice: () => undefined,
    connection: { application_name: "ai-cost-profiler", TimeZone: "UTC" },
  });
  return { sql, db: drizzle(sql, { schema }) };
}

// One client per process, kept on globalThis so Next's dev reloads do not open new pools.
declare global {
  // On globalThis: one per process even when Next evaluates this module more than once.
  var acpDb: DbClient | undefined;
}
const globalForDb = globalThis;

export function getDbClient(): DbClient {
  if (!globalForDb.acpDb) {
    if (!env.DATABASE_URL) {
      throw new Error(
        "DATABASE_URL is not set. Start the app with `npm start` (it runs the embedded database) or set DATABASE_URL.",
      );
    }
    globalForDb.acpDb = createDbClient(env.DATABASE_URL);
  }
  return globalForDb.acpDb;
}

export async function closeDbClient(): Promise<void> {
  const client = globalForDb.acpDb;
  globalForDb.acpDb = undefined;
  if (client) await client.sql.end({ timeout: 5 });
}
