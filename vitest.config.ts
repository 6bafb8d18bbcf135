import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "~": path.resolve(import.meta.dirname, "src"),
  // Tests run server modules directly; the guard only matters inside Next's client bundles.
  "server-only": path.resolve(import.meta.dirname, "src/test/empty-module.ts"),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "scripts/**/*.test.ts", "sdk/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "node_modules/**", "sdk/dist/**"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["src/**/*.int.test.ts", "scripts/**/*.int.test.ts"],
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
