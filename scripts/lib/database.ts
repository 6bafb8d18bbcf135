import { env } from "~/env";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient, type DbClient } from "~/server/db";
import { DataDirInUseError, runningOwner, socketAnswers, socketUrl, startEmbeddedDb, type EmbeddedDb } from "./embedded-db";

export type ScriptDb = { url: string; client: DbClient; embedded: EmbeddedDb | null; close: () => Promise<void> };

/**
 * The embedded database a script should use: the running server's (over its owner-only socket)
 * when one serves DATA_DIR, else one this process opens. `exclusive` (the server launcher) refuses
 * to share: two servers on one data folder is a mistake, said plainly.
 */
async function embeddedUrl(exclusive: boolean): Promise<{ url: string; embedded: EmbeddedDb | null }> {
  const owner = runningOwner(env.DATA_DIR);
  if (owner) {
    if (exclusive) throw new DataDirInUseError(env.DATA_DIR, owner);
    if (!(await socketAnswers(owner.socketDir))) {
      throw new Error(`${new DataDirInUseError(env.DATA_DIR, owner).message} (its socket does not answer yet; retry in a moment)`);
    }
    console.error(`[db] using the running server's embedded database (pid ${owner.pid})`);
    return { url: socketUrl(owner.socketDir), embedded: null };
  }
  const embedded = await startEmbeddedDb(env.DATA_DIR, env.DB_POOL_MAX);
  return { url: embedded.url, embedded };
}

/** The database a script works on: DATABASE_URL, or the embedded PGlite under DATA_DIR. Migrated. */
export async function openScriptDb(options: { exclusive?: boolean } = {}): Promise<ScriptDb> {
  const { url, embedded } = env.DATABASE_URL ? { url: env.DATABASE_URL, embedded: null } : await embeddedUrl(options.exclusive ?? false);
  const isEmbedded = !env.DATABASE_URL;
  // PGlite is a single backend: one (pipelined) connection per process keeps its statements in
  // order; pglite-sequencing.ts keeps different processes' statements apart.
  const client = createDbClient(url, isEmbedded ? { max: 1 } : {});
  await prepareSchema(url, client);
  return {
    url,
    client,
    embedded,
    close: async () => {
      await client.sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
