// A throw-away database on a LOCAL PostgreSQL for browser tests and benchmarks: created fresh,
// migrated, dropped afterwards. Refuses any non-loopback server, so a stray DATABASE_URL can
// never point a test run at real data.
import { randomBytes } from "node:crypto";
import postgres from "postgres";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function assertLocalDatabase(url: string): URL {
  const u = new URL(url);
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error(`not a PostgreSQL URL: ${u.protocol}`);
  if (!LOOPBACK.has(u.hostname)) {
    throw new Error(`refusing to create test databases on ${u.hostname}: only a local PostgreSQL (127.0.0.1, localhost, ::1) is allowed`);
  }
  return u;
}

export type FreshDatabase = { url: string; name: string; drop: () => Promise<void> };

export async function createFreshDatabase(adminUrl: string, prefix: string): Promise<FreshDatabase> {
  const admin = assertLocalDatabase(adminUrl);
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) throw new Error(`bad database prefix ${prefix}`);
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const sql = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      const s = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => undefined });
      try {
        await s.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await s.end({ timeout: 5 });
      }
    },
  };
}
