// Security headers on every page (found by globbing src/app/**/page.tsx) and API response, and a CSP
// the pages actually satisfy: every script carries this response's nonce, except the inline theme
// script whose hash the policy lists. Rendering in a browser without CSP errors is the e2e tier's job.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { API_POLICY, STATIC_SECURITY_HEADERS } from "~/server/security-headers";
import { pageFiles } from "~/test/app-files";
import { newSignedInUser, type TestUser } from "~/test/auth";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl } from "~/test/integration";


const PAGES = pageFiles().map((p) => {
  if (p.segments.some((s) => s.startsWith("["))) throw new Error(`${p.file}: add a sample URL for dynamic pages here`);
  return `/${p.segments.join("/")}`;
});
const AUTH_PAGES = new Set(["/sign-in", "/setup"]);

const STATIC_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

function expectSecurityHeaders(res: Response, what: string) {
  for (const [name, value] of Object.entries(STATIC_HEADERS)) expect(res.headers.get(name), `${what}: ${name}`).toBe(value);
  expect(res.headers.get("permissions-policy"), what).toContain("camera=()");
  expect(res.headers.get("content-security-policy"), what).toContain("frame-ancestors 'none'");
  expect(res.headers.get("x-request-id"), what).toBeTruthy();
  // Plain http in tests: HSTS only behind https (APP_URL=https://…), see security-headers.test.ts.
  expect(res.headers.get("strict-transport-security"), what).toBeNull();
}

/** The nonce in the CSP, and whether every script in the HTML is allowed by it (or by a listed hash). */
function checkScripts(html: string, csp: string) {
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce, "the page policy has a nonce").toBeTruthy();
  expect(csp).toContain("'strict-dynamic'");
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeGreaterThan(0);
  for (const [, attrs = "", body = ""] of scripts) {
    if (attrs.includes(`nonce="${nonce}"`)) continue;
    const hash = `'sha256-${createHash("sha256").update(body, "utf8").digest("base64")}'`;
    expect(csp, `script without the nonce must be hash-listed: ${body.slice(0, 60)}`).toContain(hash);
  }
}

let owner: TestUser;

describeWithHttp("security headers (HTTP)", () => {
  beforeAll(async () => {
    const project = await newProject("headers");
    owner = await newSignedInUser({ projectId: project.projectId, role: "owner" });
  });
  afterAll(closeTestDb);

  it("finds the pages", () => {
    expect(PAGES).toEqual(expect.arrayContaining(["/", "/events", "/settings", "/sign-in", "/setup"]));
  });

  it("every page: headers present, a fresh nonce per response, every script allowed by the policy", async () => {
    for (const page of PAGES) {
      // Dashboard pages as the signed-in owner; sign-in and setup as an anonymous visitor.
      const headers: Record<string, string> = AUTH_PAGES.has(page) ? {} : { cookie: owner.cookie };
      const res = await fetch(`${requireBaseUrl()}${page}`, { headers, redirect: "manual" });
      expect([200, 307], page).toContain(res.status);
      expectSecurityHeaders(res, page);
      const csp = res.headers.get("content-security-policy") ?? "";
      if (res.status === 200) checkScripts(await res.text(), csp);
      const again = await fetch(`${requireBaseUrl()}${page}`, { headers, redirect: "manual" });
      expect(again.headers.get("content-security-policy"), "a nonce is never reused").not.toBe(csp);
    }
  });

  it("the 404 page is rendered per request too, so its scripts carry the nonce", async () => {
    const res = await fetch(`${requireBaseUrl()}/no-such-page`, { headers: { cookie: owner.cookie } });
    expect(res.status).toBe(404);
    expectSecurityHeaders(res, "404");
    checkScripts(await res.text(), res.headers.get("content-security-policy") ?? "");
  });

  it("API responses (success, 401, 429-capable routes, tRPC, auth) carry the API policy and nosniff", async () => {
    const base = requireBaseUrl();
    const responses = await Promise.all([
      fetch(`${base}/api/health`),
      fetch(`${base}/api/trpc/events.list`),
      fetch(`${base}/api/export/events`),
      fetch(`${base}/api/v1/events`, { method: "POST", body: "{}" }),
      fetch(`${base}/api/auth/get-session`),
      fetch(`${base}/api/v1/budgets/status`),
      fetch(`${base}/api/v1/otlp/v1/traces`, { method: "POST", body: "{}" }),
    ]);
    for (const res of responses) {
      expectSecurityHeaders(res, res.url);
      expect(res.headers.get("content-security-policy"), res.url).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    }
  });

  it("API answers no route wrapper writes (405, unknown path) still get the static headers and the API policy from next.config.mjs", async () => {
    const base = requireBaseUrl();
    const responses = await Promise.all([fetch(`${base}/api/v1/events`), fetch(`${base}/api/no-such-route`), fetch(`${base}/api/openapi.json`)]);
    expect(responses.map((r) => r.status)).toEqual([405, 404, 200]);
    for (const res of responses) {
      for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) expect(res.headers.get(name), `${res.url} ${name}`).toBe(value);
      expect(res.headers.get("content-security-policy"), res.url).toBe(API_POLICY);
    }
  });

  it("static assets get every static header from next.config.mjs (the proxy skips them)", async () => {
    const html = await (await fetch(`${requireBaseUrl()}/sign-in`)).text();
    const asset = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    for (const url of [asset ?? "", "/icon.svg", "/favicon.ico"]) {
      const res = await fetch(`${requireBaseUrl()}${url}`);
      expect(res.status, url).toBe(200);
      // One table for the proxy and next.config.mjs: all of it, on every static file.
      for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) expect(res.headers.get(name), `${url} ${name}`).toBe(value);
    }
  });
});
