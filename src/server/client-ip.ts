import "server-only";
import { BlockList, isIP } from "node:net";

// Which client a request comes from. The chain is the X-Forwarded-For list as the app sees it after
// peer-address.ts appended the socket address, so its last entry is always the TCP peer; the
// entries left of it are claims that only a trusted proxy may make.

export type TrustPolicy =
  | { kind: "none" }
  | { kind: "hops"; hops: number }
  | { kind: "cidrs"; list: BlockList };

/** Parses TRUSTED_PROXIES: unset, an integer hop count, or a comma list of addresses/CIDRs. */
export function parseTrustedProxies(value: string | undefined): TrustPolicy {
  const trimmed = value?.trim() ?? "";
  if (trimmed === "") return { kind: "none" };
  if (/^\d+$/.test(trimmed)) {
    const hops = Number(trimmed);
    return hops === 0 ? { kind: "none" } : { kind: "hops", hops };
  }
  const list = new BlockList();
  for (const token of trimmed.split(",")) {
    const t = token.trim();
    if (t === "") continue;
    const [addr = "", bits] = t.split("/");
    const ip = normalizeIp(addr);
    const family = ip === null ? 0 : isIP(ip);
    if (ip === null || family === 0) throw new Error(`TRUSTED_PROXIES: "${t}" is not an IP address or CIDR`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) {
      list.addAddress(ip, type);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`TRUSTED_PROXIES: bad prefix length in "${t}"`);
    list.addSubnet(ip, prefix, type);
  }
  return { kind: "cidrs", list };
}

/**
 * The canonical form of one address as proxies write it, or null when it is not an address:
 * brackets, ports and zone ids are dropped, and IPv4-mapped IPv6 (dual-stack sockets) becomes IPv4
 * so `::ffff:10.0.0.1` and `10.0.0.1` are one client.
 */
export function normalizeIp(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed?.[1]) s = bracketed[1];
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (mapped?.[1]) s = mapped[1];
  return isIP(s) === 0 ? null : s;
}

function isTrusted(list: BlockList, ip: string): boolean {
  return list.check(ip, isIP(ip) === 4 ? "ipv4" : "ipv6");
}

/** Splits an X-Forwarded-For value (several headers arrive joined by commas). */
export function forwardedChain(header: string | null): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * The client address, walking the chain right to left: with no policy the peer itself; with a hop
 * count, the entry that many hops left of the peer; with CIDRs, the first entry that is not a
 * trusted proxy. A chain made only of trusted proxies means a proxy itself called us.
 */
export function clientIp(chain: readonly string[], policy: TrustPolicy): string | null {
  const last = chain.length - 1;
  if (last < 0) return null;
  if (policy.kind === "none") return canonical(chain[last]);
  if (policy.kind === "hops") return canonical(chain[Math.max(0, last - policy.hops)]);
  for (let i = last; i >= 0; i--) {
    const entry = chain[i] ?? "";
    const ip = normalizeIp(entry);
    // Garbage cannot come from a trusted hop (they write addresses), so the walk ends there.
    if (ip === null || !isTrusted(policy.list, ip)) return canonical(entry);
  }
  return canonical(chain[0]);
}

function canonical(entry: string | undefined): string | null {
  if (entry === undefined) return null;
  // An unparseable entry still identifies whoever sent it; bounded so it cannot bloat Redis keys.
  return normalizeIp(entry) ?? `raw:${entry.slice(0, 64)}`;
}

/**
 * The rate-limit identity of an address: IPv4 as is, IPv6 by its /64, because one subscriber
 * usually holds a whole /64 and could otherwise rotate addresses to reset their limit.
 */
export function ipIdentity(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return `${expandIpv6(ip).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (hex, no leading zeros). */
export function expandIpv6(ip: string): string[] {
  let s = ip.toLowerCase();
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    const hi = (((a ?? 0) << 8) | (b ?? 0)).toString(16);
    const lo = (((c ?? 0) << 8) | (d ?? 0)).toString(16);
    s = `${s.slice(0, v4.index)}${hi}:${lo}`;
  }
  const [head = "", tail] = s.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => "0");
  return [...headGroups, ...zeros, ...tailGroups].map((g) => parseInt(g, 16).toString(16));
}
