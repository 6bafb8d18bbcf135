import "server-only";
import type { Sql } from "~/server/db";
import { errorFields, logger } from "~/server/logger";
import { foldOnce } from "./fold";

declare global {
  // On globalThis: one per process even when Next evaluates this module more than once.
  var acpRollupFolder: { stop: () => Promise<void> } | undefined;
}
const globalForFolder = globalThis;

/**
 * Folds new events into the rollups every `intervalMs` (again at once while a backlog remains).
 * Every instance runs one; they take turns through the fold lock. Reads are exact whether it runs
 * or not: it only keeps the unfolded tail that reads add short.
 */
export function startRollupFolder(sql: Sql, intervalMs: number): { stop: () => Promise<void> } {
  if (globalForFolder.acpRollupFolder) return globalForFolder.acpRollupFolder;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });
  let failures = 0;
  const running = (async () => {
    while (!stopped) {
      let delay = intervalMs;
      try {
        const r = await foldOnce(sql);
        failures = 0;
        if (r.more) delay = 0;
      } catch (err) {
        failures += 1;
        delay = Math.min(30_000, intervalMs * 2 ** Math.min(failures, 8));
        if (failures === 1 || failures % 20 === 0) logger.warn("rollup fold failed; retrying", { ...errorFields(err), failures });
      }
      if (delay > 0 && !stopped) await sleep(delay);
    }
  })();
  const handle = {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await running;
      globalForFolder.acpRollupFolder = undefined;
    },
  };
  globalForFolder.acpRollupFolder = handle;
  return handle;
}
