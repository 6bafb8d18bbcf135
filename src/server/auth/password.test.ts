import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password";

describe("password hashing (scrypt)", () => {
  it("verifies the right password and refuses a wrong one; each hash is salted", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword(a, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(a, "correct horse battery stapl")).toBe(false);
  });

  it("treats composed and decomposed accents as the same password (NFKC)", async () => {
    const hash = await hashPassword("caf\u00e9 au lait, bien s\u00fbr");
    expect(await verifyPassword(hash, "cafe\u0301 au lait, bien su\u0302r")).toBe(true);
  });

  it("refuses unreadable or tampered hashes without throwing, and never runs with hostile parameters", async () => {
    const good = await hashPassword("some long password");
    const [, n, r, p, salt, key] = good.split("$");
    for (const bad of [
      "",
      "not-a-hash",
      "abcd:ef01", // Better Auth's own format is not accepted silently
      `scrypt$${n}$${r}$${p}$${salt}`,
      `scrypt$${2 ** 30}$${r}$${p}$${salt}$${key}`, // a memory bomb: refused before hashing
      `scrypt$${n}$${r}$64$${salt}$${key}`,
      `scrypt$${n}$${r}$${p}$${salt}$${Buffer.from("short").toString("base64")}`,
      `scrypt$${n}$${r}$${p}$${salt}$${Buffer.alloc(64).toString("base64")}`,
    ]) {
      expect(await verifyPassword(bad, "some long password"), bad).toBe(false);
    }
  });
});
