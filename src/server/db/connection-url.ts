import "server-only";

/**
 * postgres.js options for a connection URL. A Unix socket is named the libpq way, by a directory
 * in the `host` query parameter (`postgres://postgres@localhost/postgres?host=/data/run`) — the
 * embedded database listens only there (scripts/lib/embedded-db.ts). postgres.js would send an
 * unknown query parameter to the server as a setting, so it is turned into its `path` option here.
 */
export function connectionTarget(url: string): { url: string; path?: string } {
  const parsed = new URL(url);
  const host = parsed.searchParams.get("host");
  if (!host?.startsWith("/")) return { url };
  parsed.searchParams.delete("host");
  const port = parsed.port || "5432";
  return { url: parsed.toString(), path: `${host.replace(/\/+$/, "")}/.s.PGSQL.${port}` };
}
