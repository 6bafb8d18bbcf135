import { readFileSync } from "node:fs";

// The static security headers: one table shared with the proxy (src/server/security-headers.ts).
/** @type {Record<string, string>} */
const STATIC_SECURITY_HEADERS = JSON.parse(readFileSync(new URL("./src/server/static-security-headers.json", import.meta.url), "utf8"));
// …and the API policy: API routes (except /api/auth) do not pass through the proxy either.
/** @type {Record<string, string>} */
const API_SECURITY_HEADERS = JSON.parse(readFileSync(new URL("./src/server/api-security-headers.json", import.meta.url), "utf8"));

/** @type {import('next').NextConfig} */
const nextConfig = {
  // postgres.js, ioredis and PGlite are Node libraries: load them at run time instead of bundling.
  serverExternalPackages: ["postgres", "ioredis", "@electric-sql/pglite", "@electric-sql/pglite-socket"],
  poweredByHeader: false,
  // Type errors are gated by `npm run typecheck` (CI runs it over every file, tests included);
  // skipping the duplicate check keeps `npm start` quick on a fresh clone.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
  // What the proxy skips (src/proxy.ts matcher) gets its security headers here: static files the
  // static table, API routes the table and the API policy (HSTS, which depends on APP_URL at run
  // time, and the request id come from the route wrapper, src/server/http.ts). Pages and /api/auth
  // get all of them, their nonce CSP included, from the proxy (src/server/security-headers.ts).
  async headers() {
    const toList = (/** @type {Record<string, string>} */ h) => Object.entries(h).map(([key, value]) => ({ key, value }));
    const security = toList(STATIC_SECURITY_HEADERS);
    return [
      ...["/_next/static/:path*", "/_next/image", "/favicon.ico", "/icon.svg"].map((source) => ({ source, headers: security })),
      { source: "/api/:path((?!auth/).*)", headers: toList({ ...STATIC_SECURITY_HEADERS, ...API_SECURITY_HEADERS }) },
    ];
  },
};

export default nextConfig;
