// Module boundaries, checked by `npm run lint` (depcruise). Zero violations, no ignore list.
// A feature's public surface: src/features/<f>/index.ts (client-safe) and server/index.ts (server-only).
const PUBLIC = ["^src/features/[^/]+/index\\.tsx?$", "^src/features/[^/]+/server/index\\.ts$"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make load order matter and hide layering mistakes.",
      from: {},
      to: { circular: true },
    },
    {
      name: "feature-private",
      severity: "error",
      comment: "Another feature's files are private: import its index.ts or server/index.ts.",
      from: { path: "^src/features/([^/]+)/" },
      to: { path: "^src/features/[^/]+/", pathNot: ["^src/features/$1/", ...PUBLIC] },
    },
    {
      name: "outside-feature-private",
      severity: "error",
      comment: "Pages, route handlers, scripts, tests and e2e specs use a feature's public surface only.",
      from: { pathNot: "^src/features/" },
      to: { path: "^src/features/[^/]+/", pathNot: PUBLIC },
    },
    {
      name: "server-is-infrastructure",
      severity: "error",
      comment: "src/server is shared infrastructure: it imports no feature and no composition root.",
      from: { path: "^src/server/" },
      to: { path: "^src/(features|startup|trpc|app|components)/" },
    },
    {
      name: "lib-is-pure",
      severity: "error",
      comment: "src/lib is pure code usable anywhere: no server, database, Redis or OpenAI code.",
      from: { path: "^src/lib/", pathNot: "\\.test\\.ts$" },
      to: {
        path: ["^src/(?!lib/)", "(^|/)node_modules/(postgres|drizzle-orm|ioredis|openai|server-only|@electric-sql|next|react)/"],
      },
    },
    {
      name: "lib-no-node-builtins",
      severity: "error",
      comment: "src/lib runs in the browser too.",
      from: { path: "^src/lib/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "components-no-features",
      severity: "error",
      comment: "Shared UI (src/components) knows no feature; features compose it.",
      from: { path: "^src/components/" },
      to: { path: "^src/(features|server|startup)/" },
    },
    {
      name: "client-no-server-only",
      severity: "error",
      comment: "Client components and client-safe surfaces must never reach server-only code (types excepted).",
      from: { path: ["^src/components/", "^src/features/[^/]+/components/", "^src/features/[^/]+/index\\.tsx?$", "^src/trpc/(react|query-client)\\.tsx?$", "^src/lib/"] },
      to: { path: "(^|/)node_modules/server-only/", reachable: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^node_modules", "^\\.next", "^sdk/dist"] },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
