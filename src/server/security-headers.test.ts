import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { THEME_SCRIPT } from "~/lib/theme";
import { API_POLICY, securityHeaders } from "./security-headers";

describe("securityHeaders", () => {
  it("pages: a fresh nonce shared by the CSP and the renderer, strict-dynamic, the theme script's hash", () => {
    const a = securityHeaders("/events", { https: false, dev: false });
    const b = securityHeaders("/events", { https: false, dev: false });
    const nonce = a.request["x-nonce"] ?? "";
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(b.request["x-nonce"]).not.toBe(nonce);
    const csp = a.response["content-security-policy"] ?? "";
    expect(a.request["content-security-policy"]).toBe(csp);
    expect(csp).toContain(`'nonce-${nonce}' 'strict-dynamic'`);
    expect(csp).toContain(`'sha256-${createHash("sha256").update(THEME_SCRIPT).digest("base64")}'`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(a.response["strict-transport-security"]).toBeUndefined();
  });

  it("behind https: HSTS and upgrade-insecure-requests; in development: unsafe-eval for React's tooling", () => {
    const https = securityHeaders("/", { https: true, dev: false });
    expect(https.response["strict-transport-security"]).toMatch(/^max-age=\d{8,}/);
    expect(https.response["content-security-policy"]).toContain("upgrade-insecure-requests");
    expect(securityHeaders("/", { https: false, dev: true }).response["content-security-policy"]).toContain("'unsafe-eval'");
  });

  it("API routes: a deny-all policy and no nonce", () => {
    const api = securityHeaders("/api/trpc/events.list", { https: false, dev: false });
    expect(api.response["content-security-policy"]).toBe(API_POLICY);
    expect(api.request).toEqual({});
    expect(api.response["x-content-type-options"]).toBe("nosniff");
    expect(api.response["x-frame-options"]).toBe("DENY");
  });
});
