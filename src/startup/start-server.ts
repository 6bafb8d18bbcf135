import "server-only";
import { env } from "~/env";
import { startBudgetEvaluator } from "~/features/budgets/server";
import { startEmbeddingWorker } from "~/features/prompts/server";
import { clearApiKeyCache, forgetApiKey } from "~/server/auth/api-keys";
import { startRevocationFeed } from "~/server/auth/key-revocations";
import { authConfigWarnings, prepareFirstRun, setupUrl, type FirstRun } from "~/server/auth/setup";
import { prepareDatabase } from "./bootstrap";
import { createDbClient, getDbClient } from "~/server/db";
import { errorFields, logger } from "~/server/logger";
import { getRedis } from "~/server/redis";
import { startRollupFolder } from "~/server/rollups/worker";

export async function startServer(): Promise<void> {
  if (!env.DATABASE_URL) {
    logger.error("DATABASE_URL is not set: start with `npm start` (embedded database) or set DATABASE_URL");
    return;
  }
  getRedis();
  // API keys are answered from each instance's cache while revocations reach it (key-revocations.ts).
  startRevocationFeed(forgetApiKey, clearApiKeyCache);
  for (const warning of authConfigWarnings()) logger.warn(warning);
  await prepareWithRetry(env.DATABASE_URL);
}

function announceFirstRun(run: FirstRun): void {
  if (run.state === "created-admin") logger.info("created the owner account from ADMIN_EMAIL", { email: run.email });
  // The token is in the log on purpose, like the first API key: only the operator sees the log.
  else if (run.state === "setup-link") logger.info("no user yet: open the setup link to create the owner (valid 24 h, once)", { setupUrl: setupUrl(run.token) });
  else if (run.state === "setup-pending") logger.info("no user yet: use the setup link printed at start, or `npm run users:create -- --email you@example.com`");
}

const RETRY_MS = 5000;

async function prepareWithRetry(url: string): Promise<void> {
  try {
    const { createdKey } = await prepareDatabase(url, getDbClient());
    if (createdKey) {
      // Printed once: only its SHA-256 is stored.
      logger.info("created project 'default' with a new API key (shown once, store it now)", { apiKey: createdKey });
    }
    announceFirstRun(await prepareFirstRun(getDbClient().db));
    logger.info("database ready");
    if (env.EMBEDDING_WORKER === "on") startEmbeddingWorker(getDbClient().sql);
    // A connection of its own: a fold never waits for, nor holds, one that requests need.
    if (env.ROLLUP_FOLD_INTERVAL_MS > 0) startRollupFolder(createDbClient(url, { max: 1 }).sql, env.ROLLUP_FOLD_INTERVAL_MS);
    // Its own connections too: a tick's reads never take the pool from requests.
    if (env.BUDGET_EVALUATOR_INTERVAL_MS > 0) startBudgetEvaluator(createDbClient(url, { max: 1 }).db, env.BUDGET_EVALUATOR_INTERVAL_MS, {
        deliver: { allowPrivate: env.NOTIFY_ALLOW_PRIVATE_TARGETS },
        anomalyEveryMs: env.ANOMALY_INTERVAL_MS,
      });
  } catch (err) {
    // Keep serving: routes answer 503 while the database is unreachable, /api/health says why,
    // and preparation is retried in the background until it succeeds.
    logger.error("database preparation failed; retrying in 5 s (requests needing it get 503)", errorFields(err));
    setTimeout(() => void prepareWithRetry(url), RETRY_MS).unref();
  }
}
