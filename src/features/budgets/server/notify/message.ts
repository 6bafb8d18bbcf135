import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";

/** What a delivery says about a budget alert (the webhook's JSON body, and the text of Slack and e-mail). */
export type BudgetAlertPayload = {
  type: "budget.threshold";
  alertId: string;
  deliveryId: string;
  projectId: string;
  budget: { id: string; name: string; period: string; scope: string; scopeValue: string | null };
  threshold: number;
  subject: string | null;
  spentUsd: string;
  limitUsd: string;
  periodStart: string;
  periodEnd: string;
  raisedAt: string;
};

/**
 * An anomaly alert (alertId counts anomaly alerts, apart from budget alerts: a receiver tells them
 * apart by `type`). A spike names the hour [hour, hourEnd) of a feature ("" = calls without one)
 * or model, its exact spend, the usual spend of that hour of the week (median of the past four
 * weeks), their ratio (null when the usual spend is 0) and what spent most in it.
 */
export type AnomalySpikePayload = {
  type: "anomaly.spike";
  alertId: string;
  deliveryId: string;
  projectId: string;
  dimension: "feature" | "model";
  key: string;
  hour: string;
  hourEnd: string;
  spentUsd: string;
  usualUsd: string;
  ratio: number | null;
  top: { model: string | null; userId: string | null; promptId: string | null };
  raisedAt: string;
};

/** The first calls of a model without a price (they count $0 until it is priced). */
export type AnomalyUnpricedPayload = {
  type: "anomaly.unpriced_model";
  alertId: string;
  deliveryId: string;
  projectId: string;
  dimension: "model";
  key: string;
  calls: number;
  raisedAt: string;
};

export type AlertPayload = BudgetAlertPayload | AnomalySpikePayload | AnomalyUnpricedPayload;

/** An exact decimal string with its trailing zeros dropped, keeping cents: "16.000000000000" → "16.00", "0.000333000000" → "0.000333". */
export function readableUsd(s: string): string {
  const [whole = "0", frac = ""] = s.split(".");
  const kept = frac.replace(/0+$/, "");
  return `${whole}.${kept.length >= 2 ? kept : kept.padEnd(2, "0")}`;
}

const what = (dimension: string, key: string, q = '"') => (dimension === "feature" ? (key === "" ? "calls without a feature" : `feature ${q}${key}${q}`) : `model ${q}${key}${q}`);

export function alertText(p: AlertPayload): string {
  switch (p.type) {
    case "budget.threshold": {
      const scope = p.budget.scopeValue ? `${p.budget.scope} ${p.budget.scopeValue}` : p.budget.scope;
      const who = p.subject ? ` for user ${p.subject}` : "";
      return `Budget "${p.budget.name}" (${scope}, per ${p.budget.period}) reached ${p.threshold}%${who}: spent $${p.spentUsd} of $${p.limitUsd} in the period from ${p.periodStart}.`;
    }
    case "anomaly.spike": {
      const ratio = p.ratio === null ? "against" : `${p.ratio}x`;
      const top = [p.top.model && `model ${p.top.model}`, p.top.userId && `user ${p.top.userId}`, p.top.promptId && `prompt #${p.top.promptId}`].filter(Boolean);
      return `Spend spike: ${what(p.dimension, p.key)} spent $${readableUsd(p.spentUsd)} in the hour from ${p.hour} to ${p.hourEnd} (UTC), ${ratio} the usual $${readableUsd(p.usualUsd)} for that hour of the week.${
        top.length > 0 ? ` Spent most: ${top.join(", ")}.` : ""
      }`;
    }
    case "anomaly.unpriced_model":
      return `Model "${p.key}" was called without a price (${p.calls} call${p.calls === 1 ? "" : "s"} so far): its calls count $0 until a custom price is added in Settings.`;
  }
}

/** The e-mail subject line. */
export function alertSubject(p: AlertPayload): string {
  switch (p.type) {
    case "budget.threshold":
      return `[AI Cost Profiler] ${p.budget.name}: ${p.threshold}% of the budget`;
    case "anomaly.spike":
      return `[AI Cost Profiler] Spend spike: ${what(p.dimension, p.key, "")}${p.ratio === null ? "" : ` at ${p.ratio}x usual`}`;
    case "anomaly.unpriced_model":
      return `[AI Cost Profiler] Model without a price: ${p.key}`;
  }
}

/** The Slack incoming-webhook message. */
export function slackBody(p: AlertPayload): string {
  const icon = p.type === "budget.threshold" ? ":rotating_light:" : p.type === "anomaly.spike" ? ":chart_with_upwards_trend:" : ":grey_question:";
  return JSON.stringify({ text: `${icon} ${alertText(p)}` });
}

export const SIGNATURE_HEADER = "x-acp-signature";
export const TIMESTAMP_HEADER = "x-acp-timestamp";

/** `v1=<hex HMAC-SHA256 of "${timestamp}.${body}">`, timestamp in Unix seconds. */
export function sign(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does: recompute the signature over the timestamp header and the raw body,
 * compare in constant time, and refuse timestamps older than `toleranceSec` (replays).
 */
export function verifySignature(secret: string, header: string, timestampHeader: string, body: string, nowSec: number, toleranceSec = 300): boolean {
  const t = Number(timestampHeader);
  if (!Number.isSafeInteger(t) || Math.abs(nowSec - t) > toleranceSec) return false;
  const expected = Buffer.from(sign(secret, t, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
