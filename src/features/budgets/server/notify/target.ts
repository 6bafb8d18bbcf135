import "server-only";
import dns from "node:dns";
import net from "node:net";

/*
 * Outbound targets of notifications are chosen by project members, so the server must not become
 * a way to reach its own network: loopback, private, link-local (cloud metadata lives there),
 * carrier-grade NAT, multicast and reserved addresses are refused unless the operator allows them
 * (NOTIFY_ALLOW_PRIVATE_TARGETS). The check runs on every address a name resolves to, at connect
 * time (the resolved address is the one connected to, so a DNS answer cannot change in between),
 * and redirects are never followed.
 */

const blocked = new net.BlockList();
for (const [net4, bits] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) blocked.addSubnet(net4, bits, "ipv4");
for (const [net6, bits] of [
  ["::", 128], ["::1", 128], ["64:ff9b::", 96], ["64:ff9b:1::", 48], ["100::", 64], ["2001:db8::", 32],
  ["fc00::", 7], ["fe80::", 10], ["fec0::", 10], ["ff00::", 8],
] as const) blocked.addSubnet(net6, bits, "ipv6");

export class RefusedTarget extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedTarget";
  }
}

/** Whether an IP address is one notifications may not reach (IPv4-mapped IPv6 judged as IPv4). */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d or ::ffff:xxxx:xxxx) reaches IPv4 hosts: never allowed. (Not a
    // BlockList rule: Node applies ::ffff:0:0/96 to every IPv4 address checked.)
    if (/^::ffff:/i.test(new net.SocketAddress({ address, family: "ipv6" }).address)) return true;
    return blocked.check(address, "ipv6");
  }
  return true;
}

/** Resolves `host` (or takes an IP literal) and returns an address it is allowed to reach, else throws RefusedTarget. */
export async function vetHost(host: string, allowPrivate: boolean): Promise<{ address: string; family: 4 | 6 }> {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const literal = net.isIP(bare);
  const found = literal !== 0 ? [{ address: bare, family: literal }] : await dns.promises.lookup(bare, { all: true, verbatim: true });
  if (found.length === 0) throw new RefusedTarget(`${host} does not resolve`);
  if (!allowPrivate) {
    const bad = found.find((a) => isPrivateAddress(a.address));
    // Every answer must be public: a name answering one public and one private address is refused.
    if (bad) throw new RefusedTarget(`refused: ${host} resolves to ${bad.address}, a loopback, private, link-local or reserved address`);
  }
  const first = found[0];
  if (!first) throw new RefusedTarget(`${host} does not resolve`);
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * A target URL parsed and vetted before a send: its protocol is one of `protocols` and its host
 * resolves only to addresses it may reach (vetHost); `what` names it in errors ("URL", "SMTP URL").
 */
export async function vetTarget(
  raw: string,
  protocols: readonly string[],
  what: string,
  allowPrivate: boolean,
): Promise<{ url: URL; address: string; family: 4 | 6 } | { error: string }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: `invalid ${what}` };
  }
  if (!protocols.includes(url.protocol)) return { error: `only ${protocols.map((p) => p.replace(/:$/, "")).join(" and ")} targets` };
  try {
    return { url, ...(await vetHost(url.hostname, allowPrivate)) };
  } catch (err) {
    return { error: err instanceof RefusedTarget ? err.message : `cannot resolve ${url.hostname}` };
  }
}

/** A quick check at channel creation: IP literals and `localhost` are refused at once (names are checked again when sending). */
export function literalRefusal(url: URL, allowPrivate: boolean): string | null {
  if (allowPrivate) return null;
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (host === "localhost" || host.endsWith(".localhost")) return `refused: ${host} is loopback`;
  if (net.isIP(host) !== 0 && isPrivateAddress(host)) return `refused: ${host} is a loopback, private, link-local or reserved address`;
  return null;
}
