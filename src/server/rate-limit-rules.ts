import "server-only";
import { createHash } from "node:crypto";
import { displayPrefix, isWellFormedApiKey } from "./auth/api-keys";
import { clientIp, forwardedChain, ipIdentity, type TrustPolicy } from "./client-ip";
import { PEER_HEADER } from "./peer-address";

// What is limited and who is counted. To limit another route: a rule here (and its instance in
// src/server/route-limits.ts) and `limitedRoute(RULE, …)` around the route's handler; a rule's name
// is part of every Redis key, so each rule has its own budget, and routes sharing a rule share one.

export type RateLimitRule = {
  name: string;
  /** Requests per window for each client IP and for each API key (before per-key overrides). */
  limit: () => number;
  perIp: boolean;
  perKey: boolean;
};

export function ingestionRule(limit: () => number): RateLimitRule {
  return {
    name: "ingest",
    // Events and OTLP traces are one ingestion budget: a client cannot double it by switching API.
    limit,
    perIp: true,
    perKey: true,
  };
}

/** Budget status reads (SDK guards ask before calls): a budget of their own, not ingestion's. */
export function budgetStatusRule(limit: () => number): RateLimitRule {
  return { name: "budget-status", limit, perIp: true, perKey: true };
}

/** One counter: `ingest:ip:203.0.113.7` or `ingest:key:<hash>`, with its limit. */
export type Subject = { id: string; limit: number };

export type SubjectContext = {
  trust: TrustPolicy;
  /** display prefix (12 chars) → requests per window */
  overrides: ReadonlyMap<string, number>;
};

/** `acp_xxxxxxxx=50000,acp_yyyyyyyy=100` (already format-checked by src/env.ts). */
export function parseKeyOverrides(value: string | undefined): Map<string, number> {
  const map = new Map<string, number>();
  for (const pair of (value ?? "").split(",")) {
    const [prefix = "", limit = ""] = pair.split("=").map((s) => s.trim());
    if (prefix === "") continue;
    const n = Number(limit);
    if (prefix.length !== 12 || !Number.isSafeInteger(n) || n < 1) {
      throw new Error(`RATE_LIMIT_KEY_OVERRIDES: "${pair.trim()}" is not <12-char key prefix>=<limit>`);
    }
    map.set(prefix, n);
  }
  return map;
}

/**
 * The API key's counter id: a hash of the whole key, never its display prefix. The prefix is shown
 * in the dashboard and logs and has only 48 random bits, so anyone who saw it could send junk keys
 * with that prefix and use up the real key's budget; only the key's holder can hit its hash.
 * 128 bits of SHA-256 keep Redis keys short, cannot collide in practice and reveal nothing.
 */
export function keyIdentity(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("base64url").slice(0, 22);
}

export function bearerKey(authorization: string | null): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  const token = match?.[1];
  return token !== undefined && isWellFormedApiKey(token) ? token : null;
}

export type RequestSubjects = { subjects: Subject[]; peerKnown: boolean };

export function requestSubjects(rule: RateLimitRule, headers: Headers, ctx: SubjectContext): RequestSubjects {
  const subjects: Subject[] = [];
  const limit = rule.limit();
  // Malformed or missing keys get no key counter (the route answers 401); the IP limit still applies.
  const key = rule.perKey ? bearerKey(headers.get("authorization")) : null;
  const keyLimit = key === null ? limit : (ctx.overrides.get(displayPrefix(key)) ?? limit);
  // Without PEER_HEADER the instrumentation hook did not run and the chain's last entry may be the
  // client's own claim; the caller logs that once. Requests with no address at all share a bucket.
  const peerKnown = headers.has(PEER_HEADER);
  if (rule.perIp) {
    const ip = clientIp(forwardedChain(headers.get("x-forwarded-for")), ctx.trust);
    // A raised key limit also raises the IP limit for that key's requests (the IP counter is shared,
    // each request is judged against its own limit): a customer sending from one egress address
    // would otherwise be capped by the IP limit and the override would mean nothing.
    subjects.push({ id: `${rule.name}:ip:${ip === null ? "unknown" : ipIdentity(ip)}`, limit: Math.max(limit, keyLimit) });
  }
  if (key !== null) subjects.push({ id: `${rule.name}:key:${keyIdentity(key)}`, limit: keyLimit });
  return { subjects, peerKnown };
}
