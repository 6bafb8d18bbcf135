import { env } from "~/env";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient, type DbClient } from "~/server/db";
import { startEmbeddedDb, type EmbeddedDb } from "./embedded-db";

export type ScriptDb = { url: string; client: DbClient; embedded: EmbeddedDb | null; close: () => Promise<void> };

/** The database a script works on: DATABASE_URL, or the embedded PGlite under DATA_DIR. Migrated. */
export async function openScriptDb(): Promise<ScriptDb> {
  const embedded = env.DATABASE_URL ? null : await startEmbeddedDb(env.DATA_DIR, env.DB_POOL_MAX);
  const url = env.DATABASE_URL ?? embedded?.url;
  if (!url) throw new Error("no database");
  // PGlite is a single backend: connections interleaving statements would clobber each other's
  // unnamed prepared statements, so the embedded default uses one (pipelined) connection.
  const client = createDbClient(url, embedded ? { max: 1 } : {});
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
