import { describe, expect, it } from "vitest";
import { isSameOrigin } from "./csrf";

const h = (headers: Record<string, string>) => new Headers(headers);

describe("isSameOrigin (CSRF check for cookie-authenticated writes)", () => {
  it("without APP_URL: the Origin must name the Host the browser used", () => {
    expect(isSameOrigin(h({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000" }), undefined)).toBe(true);
    expect(isSameOrigin(h({ host: "localhost:3000", origin: "http://LOCALHOST:3000" }), undefined)).toBe(true);
    expect(isSameOrigin(h({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:3001" }), undefined)).toBe(false);
    expect(isSameOrigin(h({ host: "127.0.0.1:3000", origin: "https://evil.example" }), undefined)).toBe(false);
    expect(isSameOrigin(h({ host: "127.0.0.1:3000", origin: "null" }), undefined)).toBe(false);
    expect(isSameOrigin(h({ host: "127.0.0.1:3000", origin: "not a url" }), undefined)).toBe(false);
    expect(isSameOrigin(h({ origin: "http://127.0.0.1:3000" }), undefined)).toBe(false);
  });

  it("without APP_URL: the scheme must be the one the request came in with (issue 18)", () => {
    // next start serves http; an https: (or http:) page elsewhere on the same host is another origin.
    expect(isSameOrigin(h({ host: "app.local:3000", origin: "https://app.local:3000" }), undefined)).toBe(false);
    expect(isSameOrigin(h({ host: "app.local:3000", origin: "http://app.local:3000", "x-forwarded-proto": "http" }), undefined)).toBe(true);
    // Behind a TLS proxy: X-Forwarded-Proto says https, so an http: page is refused.
    expect(isSameOrigin(h({ host: "app.local", origin: "https://app.local", "x-forwarded-proto": "https" }), undefined)).toBe(true);
    expect(isSameOrigin(h({ host: "app.local", origin: "http://app.local", "x-forwarded-proto": "https" }), undefined)).toBe(false);
    expect(isSameOrigin(h({ host: "app.local", origin: "ftp://app.local" }), undefined)).toBe(false);
  });

  it("with APP_URL: only that origin, scheme included, whatever the Host header says", () => {
    const app = "https://profiler.example.com";
    expect(isSameOrigin(h({ host: "10.0.0.5:3000", origin: "https://profiler.example.com" }), app)).toBe(true);
    expect(isSameOrigin(h({ host: "10.0.0.5:3000", origin: "http://profiler.example.com" }), app)).toBe(false);
    expect(isSameOrigin(h({ host: "evil.example", origin: "https://evil.example" }), app)).toBe(false);
  });

  it("without Origin: Sec-Fetch-Site must say same-origin; with neither the write is refused", () => {
    expect(isSameOrigin(h({ host: "127.0.0.1:3000", "sec-fetch-site": "same-origin" }), undefined)).toBe(true);
    expect(isSameOrigin(h({ host: "127.0.0.1:3000", "sec-fetch-site": "same-site" }), undefined)).toBe(false);
    expect(isSameOrigin(h({ host: "127.0.0.1:3000", "sec-fetch-site": "cross-site" }), undefined)).toBe(false);
    expect(isSameOrigin(h({ host: "127.0.0.1:3000" }), undefined)).toBe(false);
  });
});
