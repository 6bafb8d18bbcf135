/** @type {import('next').NextConfig} */
const nextConfig = {
  // postgres.js, ioredis and PGlite are Node libraries: load them at run time instead of bundling.
  serverExternalPackages: ["postgres", "ioredis", "@electric-sql/pglite", "@electric-sql/pglite-socket"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
