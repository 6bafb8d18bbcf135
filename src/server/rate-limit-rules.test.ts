import { describe, expect, it } from "vitest";
import { parseTrustedProxies } from "./client-ip";
import { PEER_HEADER } from "./peer-address";
import { bearerKey, ingestionRule, keyIdentity, parseKeyOverrides, requestSubjects } from "./rate-limit-rules";

const KEY = `acp_${"A".repeat(43)}`;
const OTHER_KEY_SAME_PREFIX = `acp_${"A".repeat(8)}${"B".repeat(35)}`;

describe("parseKeyOverrides", () => {
  it("maps display prefixes to limits", () => {
    expect(parseKeyOverrides(undefined).size).toBe(0);
    expect([...parseKeyOverrides(" acp_AAAAAAAA=50000, acp_b-c_dEfG=7 ")]).toEqual([
      ["acp_AAAAAAAA", 50000],
      ["acp_b-c_dEfG", 7],
    ]);
    expect(() => parseKeyOverrides("acp_short=5")).toThrow(/RATE_LIMIT_KEY_OVERRIDES/);
    expect(() => parseKeyOverrides("acp_AAAAAAAA=0")).toThrow(/RATE_LIMIT_KEY_OVERRIDES/);
  });
});

describe("key identity", () => {
  it("hashes the whole key: a shared display prefix does not share a budget", () => {
    expect(keyIdentity(KEY)).toHaveLength(22);
    expect(keyIdentity(KEY)).not.toBe(keyIdentity(OTHER_KEY_SAME_PREFIX));
    expect(keyIdentity(KEY)).not.toContain(KEY.slice(4, 12));
  });

  it("only well-formed bearer keys get a key counter", () => {
    expect(bearerKey(`Bearer ${KEY}`)).toBe(KEY);
    expect(bearerKey(`bearer   ${KEY}  `)).toBe(KEY);
    expect(bearerKey("Bearer not-a-key")).toBeNull();
    expect(bearerKey(`Basic ${KEY}`)).toBeNull();
    expect(bearerKey(null)).toBeNull();
  });
});

describe("requestSubjects", () => {
  const rule = ingestionRule(() => 100);
  const ctx = { trust: parseTrustedProxies(undefined), overrides: parseKeyOverrides("acp_AAAAAAAA=500,acp_CCCCCCCC=10") };
  const headers = (h: Record<string, string>) => new Headers({ [PEER_HEADER]: "127.0.0.1", ...h });

  it("counts the client IP and the key, each with its limit", () => {
    const { subjects, peerKnown } = requestSubjects(rule, headers({ "x-forwarded-for": "6.6.6.6, 198.51.100.4" }), ctx);
    expect(peerKnown).toBe(true);
    expect(subjects).toEqual([{ id: "ingest:ip:198.51.100.4", limit: 100 }]);
    const keyed = requestSubjects(rule, headers({ "x-forwarded-for": "198.51.100.4", authorization: `Bearer ${KEY}` }), ctx);
    // the override (500) applies to the key and lifts the IP limit for this key's requests
    expect(keyed.subjects).toEqual([
      { id: "ingest:ip:198.51.100.4", limit: 500 },
      { id: `ingest:key:${keyIdentity(KEY)}`, limit: 500 },
    ]);
  });

  it("a lower override does not lower the IP limit", () => {
    const low = `acp_${"C".repeat(43)}`;
    const { subjects } = requestSubjects(rule, headers({ "x-forwarded-for": "198.51.100.4", authorization: `Bearer ${low}` }), ctx);
    expect(subjects.map((s) => s.limit)).toEqual([100, 10]);
  });

  it("says when the peer hook did not run, and shares one bucket when no address is known", () => {
    const { subjects, peerKnown } = requestSubjects(rule, new Headers(), ctx);
    expect(peerKnown).toBe(false);
    expect(subjects).toEqual([{ id: "ingest:ip:unknown", limit: 100 }]);
  });
});
