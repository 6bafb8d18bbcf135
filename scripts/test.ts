// npm test: unit and integration tiers (vitest), then the browser tier (Playwright) when Chromium
// exists, ending with one line "N passed, N failed, N skipped" that sums every suite.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const out = path.resolve("test-results");
fs.mkdirSync(out, { recursive: true });
const chromium = "/usr/bin/chromium";
const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return r.status ?? 1;
}

// The integration and browser tiers run against `next start`: build when missing or stale.
if (run(process.execPath, ["scripts/ensure-ready.mjs", "--build"]) !== 0) {
  console.error("build failed");
  process.exit(1);
}

const vitestJson = path.join(out, "vitest.json");
fs.rmSync(vitestJson, { force: true });
const vitestStatus = run(process.execPath, [
  "node_modules/vitest/vitest.mjs",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${vitestJson}`,
]);
if (fs.existsSync(vitestJson)) {
  const report = JSON.parse(fs.readFileSync(vitestJson, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
}
if (vitestStatus !== 0) {
  exitCode = 1;
  // A crash before any test ran (e.g. a failing global setup) must still count as a failure.
  if (totals.failed === 0) totals.failed += 1;
}

const e2eDir = path.resolve("e2e");
const hasSpecs = fs.existsSync(e2eDir) && fs.readdirSync(e2eDir).some((f) => f.endsWith(".spec.ts"));
if (hasSpecs && fs.existsSync(chromium)) {
  const pwJson = path.join(out, "playwright.json");
  fs.rmSync(pwJson, { force: true });
  const status = run(process.execPath, ["node_modules/@playwright/test/cli.js", "test", "--reporter=list,json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
  });
  if (fs.existsSync(pwJson)) {
    const report = JSON.parse(fs.readFileSync(pwJson, "utf8")) as {
      stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    };
    totals.passed += report.stats.expected + report.stats.flaky;
    totals.failed += report.stats.unexpected;
    totals.skipped += report.stats.skipped;
  }
  if (status !== 0) {
    exitCode = 1;
    if (totals.failed === 0) totals.failed += 1;
  }
} else if (hasSpecs) {
  console.warn(`[skipped] browser tests: Chromium is absent (${chromium}); install it with: bash scripts/setup-services.sh --chromium`);
  if (process.env.CI === "true") {
    exitCode = 1;
    totals.failed += 1;
  }
}

if (totals.failed > 0) exitCode = 1;
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode);
