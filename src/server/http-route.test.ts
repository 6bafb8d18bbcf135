// The route wrapper adds what API responses no longer get from the proxy: the request id (a
// client's own only when it is a plain token) and, behind https, HSTS — on errors too.
import { describe, expect, it, vi } from "vitest";
import type { env as Env } from "~/env";
import { badRequest } from "./errors";
import { json, route } from "./http";
import { STRICT_TRANSPORT_SECURITY } from "./security-headers";

vi.mock("~/env", async (importOriginal) => {
  const original = await importOriginal<{ env: typeof Env }>();
  return { env: { ...original.env, APP_URL: "https://cost.example.test" } };
});

const segment = { params: Promise.resolve({}) };
const call = (handler: Parameters<typeof route>[0], headers: Record<string, string> = {}) =>
  route(handler)(new Request("https://cost.example.test/api/x", { headers }), segment);

describe("route()", () => {
  it("keeps a plain-token request id and sends HSTS behind https", async () => {
    const res = await call(() => Promise.resolve(json({ ok: true })), { "x-request-id": "client-42.a:b" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("client-42.a:b");
    expect(res.headers.get("strict-transport-security")).toBe(STRICT_TRANSPORT_SECURITY);
  });

  it("replaces a request id that is not a plain token (it would reach logs and headers)", async () => {
    for (const sent of ["has space", "x".repeat(129), "a\u00e9b", ""]) {
      const res = await call(() => Promise.resolve(json({})), { "x-request-id": sent });
      expect(res.headers.get("x-request-id"), JSON.stringify(sent)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("an error answer carries the same id in its body and header, and HSTS", async () => {
    const res = await call(() => Promise.reject(badRequest("limit must be a number", [{ path: "limit", message: "must be a number" }])), { "x-request-id": "r-1" });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-request-id")).toBe("r-1");
    expect(res.headers.get("strict-transport-security")).toBe(STRICT_TRANSPORT_SECURITY);
    const body = (await res.json()) as { requestId: string; issues: { path: string }[] };
    expect(body.requestId).toBe("r-1");
    expect(body.issues[0]?.path).toBe("limit");
  });
});
