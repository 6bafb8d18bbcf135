import { describe, expect, it } from "vitest";
import { clientIp, expandIpv6, forwardedChain, ipIdentity, normalizeIp, parseTrustedProxies } from "./client-ip";

const chain = (xff: string) => forwardedChain(xff);

describe("normalizeIp", () => {
  it.each([
    [" 203.0.113.7 ", "203.0.113.7"], ["203.0.113.7:51234", "203.0.113.7"], ["[2001:DB8::1]:443", "2001:db8::1"],
    ["fe80::1%eth0", "fe80::1"], ["::ffff:10.1.2.3", "10.1.2.3"], ["unknown", null], ["300.1.1.1", null], ["", null],
  ])("accepts the forms proxies write and rejects junk: %j → %j", (raw, ip) => {
    expect(normalizeIp(raw)).toBe(ip);
  });
});

describe("parseTrustedProxies", () => {
  it("reads nothing, a hop count, or CIDRs and addresses", () => {
    expect(parseTrustedProxies(undefined)).toEqual({ kind: "none" });
    expect(parseTrustedProxies(" ")).toEqual({ kind: "none" });
    expect(parseTrustedProxies("0")).toEqual({ kind: "none" });
    expect(parseTrustedProxies("2")).toEqual({ kind: "hops", hops: 2 });
    const p = parseTrustedProxies("10.0.0.0/8, 192.168.1.10, fd00::/8");
    expect(p.kind).toBe("cidrs");
  });

  it("refuses what it cannot parse instead of trusting the wrong hops", () => {
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow(/prefix/);
    expect(() => parseTrustedProxies("proxy.internal")).toThrow(/not an IP/);
  });
});

describe("clientIp", () => {
  it("without TRUSTED_PROXIES is the socket peer (last entry) whatever the client claims", () => {
    const none = parseTrustedProxies(undefined);
    expect(clientIp(chain("127.0.0.1"), none)).toBe("127.0.0.1");
    expect(clientIp(chain("6.6.6.6, 1.1.1.1, 198.51.100.4"), none)).toBe("198.51.100.4");
    expect(clientIp(chain("::ffff:198.51.100.4"), none)).toBe("198.51.100.4");
    expect(clientIp([], none)).toBeNull();
  });

  it("with a hop count takes the entry written by the outermost trusted proxy", () => {
    const one = parseTrustedProxies("1");
    // client spoofs 6.6.6.6; our load balancer (10.0.0.2, the peer) appended the real 203.0.113.7
    expect(clientIp(chain("6.6.6.6, 203.0.113.7, 10.0.0.2"), one)).toBe("203.0.113.7");
    expect(clientIp(chain("203.0.113.7, 10.0.0.9, 10.0.0.2"), parseTrustedProxies("2"))).toBe("203.0.113.7");
    // fewer entries than hops: the leftmost is all we know
    expect(clientIp(chain("10.0.0.2"), parseTrustedProxies("3"))).toBe("10.0.0.2");
  });

  it("with CIDRs walks right to left past trusted hops only", () => {
    const cidrs = parseTrustedProxies("10.0.0.0/8, 127.0.0.1");
    expect(clientIp(chain("6.6.6.6, 203.0.113.7, 10.1.2.3, 127.0.0.1"), cidrs)).toBe("203.0.113.7");
    // an untrusted peer ends the walk at once: what it forwarded is not believed
    expect(clientIp(chain("6.6.6.6, 198.51.100.4"), cidrs)).toBe("198.51.100.4");
    // only trusted hops: a proxy itself called us
    expect(clientIp(chain("10.0.0.5, 127.0.0.1"), cidrs)).toBe("10.0.0.5");
    // junk left by a trusted hop is still an identity, bounded in length
    expect(clientIp(chain(`${"x".repeat(200)}, 127.0.0.1`), cidrs)).toBe(`raw:${"x".repeat(64)}`);
    // IPv4-mapped peers match IPv4 CIDRs
    expect(clientIp(chain("203.0.113.7, ::ffff:127.0.0.1"), cidrs)).toBe("203.0.113.7");
  });

  it("matches IPv6 CIDRs", () => {
    const v6 = parseTrustedProxies("fd00::/8");
    expect(clientIp(chain("2001:db8::7, fd12::1"), v6)).toBe("2001:db8::7");
  });
});

describe("ipIdentity", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"], ["2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:bbbb:cccc:dddd:eeee", "2001:db8:1:2::/64"], ["::1", "0:0:0:0::/64"],
  ])("keeps IPv4 and groups IPv6 by /64: %s → %s", (ip, identity) => {
    expect(ipIdentity(ip)).toBe(identity);
  });

  it("expands every IPv6 spelling to eight groups", () => {
    expect(expandIpv6("2001:db8::1")).toEqual(["2001", "db8", "0", "0", "0", "0", "0", "1"]);
    expect(expandIpv6("::")).toEqual(["0", "0", "0", "0", "0", "0", "0", "0"]);
    expect(expandIpv6("64:ff9b::192.0.2.33")).toEqual(["64", "ff9b", "0", "0", "0", "0", "c000", "221"]);
    expect(expandIpv6("2001:0DB8:0000:0001:0:0:0:1")).toEqual(["2001", "db8", "0", "1", "0", "0", "0", "1"]);
  });
});
