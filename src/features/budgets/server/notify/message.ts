import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";

/** What a delivery says about its alert (the webhook's JSON body, and the text of Slack and e-mail). */
export type AlertPayload = {
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

export function alertText(p: AlertPayload): string {
  const scope = p.budget.scopeValue ? `${p.budget.scope} ${p.budget.scopeValue}` : p.budget.scope;
  const who = p.subject ? ` for user ${p.subject}` : "";
  return `Budget "${p.budget.name}" (${scope}, per ${p.budget.period}) reached ${p.threshold}%${who}: spent $${p.spentUsd} of $${p.limitUsd} in the period from ${p.periodStart}.`;
}

/** The Slack incoming-webhook message. */
export function slackBody(p: AlertPayload): string {
  return JSON.stringify({ text: `:rotating_light: ${alertText(p)}` });
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
