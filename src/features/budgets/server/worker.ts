import "server-only";
import { randomUUID } from "node:crypto";
import type { Db } from "~/server/db";
import { errorFields, logger } from "~/server/logger";
import { detectAllAnomalies } from "./anomalies";
import { evaluateOnce, type RaisedAlert } from "./evaluator";
import { deliverDue } from "./notify/deliver";
import { releaseLease } from "./lease";

const globalForEvaluator = globalThis as unknown as { acpBudgetEvaluator?: BudgetEvaluator };

export type BudgetEvaluator = { holder: string; stop: () => Promise<void> };

/**
 * The lease outlives two missed ticks, so a live holder keeps it, and a dead one's successor takes
 * over within lease + one tick (under 60 s at the default 15 s tick).
 */
export function leaseMsFor(intervalMs: number): number {
  return Math.max(5_000, intervalMs * 2 + 5_000);
}

/**
 * Evaluates budgets every `intervalMs` on every instance; the lease lets one of them work at a
 * time. `onRaised` receives the alerts a tick raised; `deliver` sends notifications. `holder` names this
 * evaluator in the lease (tests run two in one process).
 */
export function startBudgetEvaluator(
  db: Db,
  intervalMs: number,
  o: {
    holder?: string;
    onRaised?: (alerts: RaisedAlert[]) => Promise<void>;
    singleton?: boolean;
    lease?: string;
    projectIds?: string[];
    /** Send due notifications after each tick (every instance may: deliveries are claimed). */
    deliver?: { allowPrivate: boolean; baseDelayMs?: number };
    /** How often the lease holder looks for spend anomalies and unpriced models (0 = never). Default 5 min. */
    anomalyEveryMs?: number;
  } = {},
): BudgetEvaluator {
  const singleton = o.singleton ?? true;
  if (singleton && globalForEvaluator.acpBudgetEvaluator) return globalForEvaluator.acpBudgetEvaluator;
  const holder = o.holder ?? randomUUID();
  const leaseMs = leaseMsFor(intervalMs);
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  let failures = 0;
  let anomaliesAt = 0;
  const anomalyEveryMs = o.anomalyEveryMs ?? 300_000;
  const running = (async () => {
    while (!stopped) {
      try {
        const r = await evaluateOnce(db, { holder, leaseMs, lease: o.lease, projectIds: o.projectIds });
        if (r.ran && r.raised.length > 0 && o.onRaised) await o.onRaised(r.raised);
        if (r.ran && anomalyEveryMs > 0 && Date.now() - anomaliesAt >= anomalyEveryMs) {
          anomaliesAt = Date.now();
          // fenced like the budget alerts: a deposed holder's anomalies (and their deliveries) are not written
          await detectAllAnomalies(db, new Date(), o.projectIds, { holder, token: r.fence, lease: o.lease });
        }
        if (o.deliver) {
          // drain what is due, a batch at a time, before sleeping
          for (let i = 0; i < 50 && !stopped; i++) if ((await deliverDue(db, { ...o.deliver, projectIds: o.projectIds })).tried === 0) break;
        }
        failures = 0;
      } catch (err) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0) logger.warn("budget evaluation failed; retrying", { ...errorFields(err), failures });
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, intervalMs);
        timer.unref();
      });
    }
  })();
  const handle: BudgetEvaluator = {
    holder,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await running;
      await releaseLease(db, holder, o.lease).catch(() => undefined);
      if (singleton) globalForEvaluator.acpBudgetEvaluator = undefined;
    },
  };
  if (singleton) globalForEvaluator.acpBudgetEvaluator = handle;
  return handle;
}
