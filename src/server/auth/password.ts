import "server-only";
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { PASSWORD_RULE } from "~/lib/password-rule";

// Password hashes: scrypt with OWASP's parameters for 32 MiB of memory (N=2^15, r=8, p=3; Better
// Auth's default N=2^14, r=16, p=1 is about a third of that work). The parameters are stored in
// the hash, so they can be raised later without invalidating existing passwords.
const N = 2 ** 15;
const R = 8;
const P = 3;
const KEY_LENGTH = 64;
const PREFIX = "scrypt";

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }, length: number): Promise<Buffer> {
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    // NFKC: the same password typed on two keyboards (composed vs decomposed accents) must match.
    scrypt(password.normalize("NFKC"), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$r$p$<salt b64>$<key b64>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: R, p: P }, KEY_LENGTH);
  return [PREFIX, N, R, P, salt.toString("base64"), key.toString("base64")].join("$");
}

const BOUNDS = { N: [2 ** 10, 2 ** 20], r: [1, 32], p: [1, 16] } as const;
const within = (v: number, [lo, hi]: readonly [number, number]) => Number.isInteger(v) && v >= lo && v <= hi;

/** Constant-time check; an unreadable hash is a mismatch, never a crash or an expensive call. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const parts = hash.split("$");
  if (parts.length !== 6 || parts[0] !== PREFIX) return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  if (n === undefined || r === undefined || p === undefined) return false;
  if (!within(n, BOUNDS.N) || !within(r, BOUNDS.r) || !within(p, BOUNDS.p)) return false;
  const salt = Buffer.from(parts[4] ?? "", "base64");
  const expected = Buffer.from(parts[5] ?? "", "base64");
  if (salt.length < 16 || expected.length < 32) return false;
  const actual = await derive(password, salt, { N: n, r, p }, expected.length);
  return timingSafeEqual(actual, expected);
}

export const PASSWORD_MIN_LENGTH = PASSWORD_RULE.min;
export const PASSWORD_MAX_LENGTH = PASSWORD_RULE.max;
