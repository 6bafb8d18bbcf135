import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "~": path.resolve(import.meta.dirname, "src"),
  // Tests run server modules directly; the guard only matters inside Next's client bundles.
  "server-only": path.resolve(import.meta.dirname, "src/test/empty-module.ts"),
};

// Files only a Citus cluster can run (router plans, growing the cluster) join the integration tier
// only when scripts/test.ts targets a cluster (TEST_CITUS=1), so plain runs never list them as skipped.
const citusFiles = process.env.TEST_CITUS === "1" ? ["src/**/*.citus.test.ts"] : [];

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "scripts/**/*.test.ts", "sdk/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/*.citus.test.ts", "node_modules/**", "sdk/dist/**"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["src/**/*.int.test.ts", "scripts/**/*.int.test.ts", ...citusFiles],
          environment: "node",
          globalSetup: ["src/test/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Files share one app server and database; each test makes its own project.
          fileParallelism: true,
        },
      },
    ],
  },
});
