import { defineConfig } from "@playwright/test";
import { E2E_AUTH_STATE } from "./e2e/fixture-data";

const PORT = Number(process.env.E2E_PORT ?? 3210);

// Debian's Chromium (no downloaded browser builds); the networking flags keep it from calling home.
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/playwright",
  fullyParallel: false,
  workers: 1,
  retries: 0, // a flaky spec is a bug to fix (issue 18 found a real race behind one), not to retry
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI === "true" ? "list" : [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1280, height: 800 },
    timezoneId: "UTC",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  // "setup" signs in once through the sign-in page; every spec then runs as that signed-in owner.
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts$/ },
    { name: "chromium", dependencies: ["setup"], testIgnore: /auth\.setup\.ts$/, use: { storageState: E2E_AUTH_STATE } },
  ],
  webServer: {
    command: "node node_modules/tsx/dist/cli.mjs --conditions=react-server scripts/e2e-server.ts",
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    env: { E2E_PORT: String(PORT) },
  },
});
