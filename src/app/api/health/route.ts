// GET /api/health — liveness of the database, Redis and the embedder for load balancers and humans
import { env } from "~/env";
import { getDbClient } from "~/server/db";
import { json, route } from "~/server/http";
import { redisHealth } from "~/server/redis";

export const dynamic = "force-dynamic";

async function dbHealth(): Promise<"ok" | "down"> {
  try {
    const { sql } = getDbClient();
    await Promise.race([
      sql`SELECT 1`,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000)),
    ]);
    return "ok";
  } catch {
    return "down";
  }
}

export const GET = route(async () => {
  const [db, redis] = await Promise.all([dbHealth(), redisHealth()]);
  const embeddings = env.OPENAI_API_KEY ? "ok" : "absent";
  const body = { db, redis, embeddings, embedder: env.OPENAI_API_KEY ? "openai" : "local" };
  return json(body, db === "ok" ? 200 : 503, db === "ok" ? {} : { "retry-after": "5" });
});
