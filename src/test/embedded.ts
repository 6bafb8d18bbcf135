// A PGlite database for one test file (the embedded default): started in a fresh data dir with the
// schema prepared before the file's tests, stopped and removed after them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createDbClient, type DbClient } from "~/server/db";
import { prepareSchema } from "~/startup/bootstrap";
import { startEmbeddedDb, type EmbeddedDb } from "../../scripts/lib/embedded-db";

export type EmbeddedTestDb = { readonly dir: string; readonly url: string; readonly client: DbClient };

/** Registers the file's beforeAll / afterAll; read the fields inside tests. `prefix`: the temp dir's name. */
export function startEmbeddedTestDb(prefix: string): EmbeddedTestDb {
  let dir = "";
  let embedded: EmbeddedDb | null = null;
  let client: DbClient | null = null;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    embedded = await startEmbeddedDb(dir, 1);
    client = createDbClient(embedded.url, { max: 1 });
    await prepareSchema(embedded.url, client);
  }, 120_000);
  afterAll(async () => {
    await client?.sql.end({ timeout: 5 });
    await embedded?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const started = <T,>(v: T | null): T => {
    if (v === null) throw new Error("the embedded database is not started (read it inside a test)");
    return v;
  };
  return {
    get dir() {
      return dir;
    },
    get url() {
      return started(embedded).url;
    },
    get client() {
      return started(client);
    },
  };
}
