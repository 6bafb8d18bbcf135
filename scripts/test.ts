// npm test: unit and integration tiers (vitest), then the browser tier (Playwright) when Chromium
// exists, then — with TEST_CITUS_URL (a Citus coordinator, e.g. from npm run cluster:local) — the
// integration tier again against that cluster, ending with one line "N passed, N failed,
// N skipped" that sums every suite.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type PlaywrightSuite, playwrightFailures, type VitestReport, vitestFailures } from "./lib/test-failures";

const out = path.resolve("test-results");
fs.mkdirSync(out, { recursive: true });
const chromium = "/usr/bin/chromium";
const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
const failures: string[] = []; // printed again just above the last line: CI keeps only the tail

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return r.status ?? 1;
}

// The integration and browser tiers run against `next start`: build when missing or stale.
if (run(process.execPath, ["scripts/ensure-ready.mjs", "--build"]) !== 0) {
  console.error("build failed");
  process.exit(1);
}

/** One vitest run; its counts go into the totals (a run that crashes counts as one failure). */
function vitest(name: string, args: string[], env: Record<string, string> = {}) {
  const json = path.join(out, `${name}.json`);
  fs.rmSync(json, { force: true });
  const status = run(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${json}`], env);
  let failed = 0;
  if (fs.existsSync(json)) {
    const report = JSON.parse(fs.readFileSync(json, "utf8")) as VitestReport;
    failures.push(...vitestFailures(report, name));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
    failed = report.numFailedTests;
  }
  if (status !== 0) {
    exitCode = 1;
    // A crash before any test ran (e.g. a failing global setup) must still count as a failure.
    if (failed === 0) {
      totals.failed += 1;
      failures.push(`  [${name}] vitest exited with status ${status} and no failed test (an unhandled error or a failing setup: see above)`);
    }
  }
}

vitest("vitest", []);

const e2eDir = path.resolve("e2e");
const hasSpecs = fs.existsSync(e2eDir) && fs.readdirSync(e2eDir).some((f) => f.endsWith(".spec.ts"));
if (hasSpecs && fs.existsSync(chromium)) {
  const pwJson = path.join(out, "playwright.json");
  fs.rmSync(pwJson, { force: true });
  const status = run(process.execPath, ["node_modules/@playwright/test/cli.js", "test", "--reporter=list,json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
  });
  if (fs.existsSync(pwJson)) {
    const report = JSON.parse(fs.readFileSync(pwJson, "utf8")) as PlaywrightSuite & {
      stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    };
    failures.push(...playwrightFailures(report));
    totals.passed += report.stats.expected + report.stats.flaky;
    totals.failed += report.stats.unexpected;
    totals.skipped += report.stats.skipped;
  }
  if (status !== 0) {
    exitCode = 1;
    if (totals.failed === 0) {
      totals.failed += 1;
      failures.push(`  [playwright] exited with status ${status} and no failed spec (see above)`);
    }
  }
} else if (hasSpecs) {
  console.warn(`[skipped] browser tests: Chromium is absent (${chromium}); install it with: bash scripts/setup-services.sh --chromium`);
  if (process.env.CI === "true") {
    exitCode = 1;
    totals.failed += 1;
  }
}

// The second target: the same integration tier on a Citus cluster (docs/citus.md), plus the
// files only a cluster can run (*.citus.test.ts: router plans, growing the cluster).
const citusUrl = process.env.TEST_CITUS_URL;
if (citusUrl) {
  console.log(`\n[citus] integration tier against the Citus cluster at ${new URL(citusUrl).host}`);
  vitest("vitest-citus", ["--project", "integration"], { TEST_PG_URL: citusUrl, TEST_CITUS: "1" });
}

if (totals.failed > 0) exitCode = 1;
if (failures.length > 0) console.log(`\nfailed:\n${failures.join("\n")}\n`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode);
