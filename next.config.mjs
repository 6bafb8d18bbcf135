/** @type {import('next').NextConfig} */
const nextConfig = {
  // postgres.js, ioredis and PGlite are Node libraries: load them at run time instead of bundling.
  serverExternalPackages: ["postgres", "ioredis", "@electric-sql/pglite", "@electric-sql/pglite-socket"],
  poweredByHeader: false,
  // Type errors are gated by `npm run typecheck` (CI runs it over every file, tests included);
  // skipping the duplicate check keeps `npm start` quick on a fresh clone.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
};

export default nextConfig;
