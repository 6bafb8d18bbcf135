import { readFileSync } from "node:fs";

// The static security headers: one table shared with the proxy (src/server/security-headers.ts).
/** @type {Record<string, string>} */
const STATIC_SECURITY_HEADERS = JSON.parse(readFileSync(new URL("./src/server/static-security-headers.json", import.meta.url), "utf8"));

/** @type {import('next').NextConfig} */
const nextConfig = {
  // postgres.js, ioredis and PGlite are Node libraries: load them at run time instead of bundling.
  serverExternalPackages: ["postgres", "ioredis", "@electric-sql/pglite", "@electric-sql/pglite-socket"],
  poweredByHeader: false,
  // Type errors are gated by `npm run typecheck` (CI runs it over every file, tests included);
  // skipping the duplicate check keeps `npm start` quick on a fresh clone.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
  // Files the proxy skips (src/proxy.ts matcher) get the static part of the security headers
  // here; everything else gets all of them, CSP included, from the proxy (src/server/security-headers.ts).
  async headers() {
    const security = Object.entries(STATIC_SECURITY_HEADERS).map(([key, value]) => ({ key, value }));
    return ["/_next/static/:path*", "/_next/image", "/favicon.ico", "/icon.svg"].map((source) => ({ source, headers: security }));
  },
};

export default nextConfig;
