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
    const security = [
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "Referrer-Policy", value: "same-origin" },
      { key: "X-Frame-Options", value: "DENY" },
      { key: "Cross-Origin-Resource-Policy", value: "same-origin" },
    ];
    return ["/_next/static/:path*", "/_next/image", "/favicon.ico", "/icon.svg"].map((source) => ({ source, headers: security }));
  },
};

export default nextConfig;
