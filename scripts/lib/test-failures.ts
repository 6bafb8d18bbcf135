// The failures of one test run, as a few lines each (suite, file, test name, the error's first
// lines), for the list scripts/test.ts prints just above its last line: CI keeps only the tail.
import path from "node:path";

export type VitestReport = {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { status: string; fullName: string; failureMessages?: string[] }[];
  }[];
};

export type PlaywrightSuite = {
  suites?: PlaywrightSuite[];
  specs?: { title: string; file: string; ok: boolean; tests: { results: { status: string; error?: { message?: string } }[] }[] }[];
};

/** The first lines of an error message, without colour codes, indented under their test. */
export function firstLines(message: string | undefined, n = 3): string[] {
  const plain = (message ?? "").replace(/\u001b\[[0-9;]*m/g, "");
  return plain
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, n)
    .map((l) => `      ${l.slice(0, 300)}`);
}

/** Failed tests, and files that failed without a failed test (an import or hook error). */
export function vitestFailures(report: VitestReport, suite: string, cwd = process.cwd()): string[] {
  const lines: string[] = [];
  for (const file of report.testResults ?? []) {
    const rel = path.relative(cwd, file.name);
    const failed = (file.assertionResults ?? []).filter((t) => t.status === "failed");
    for (const t of failed) lines.push(`  [${suite}] ${rel} > ${t.fullName}`, ...firstLines(t.failureMessages?.[0]));
    if (file.status === "failed" && failed.length === 0) lines.push(`  [${suite}] ${rel} (the file failed)`, ...firstLines(file.message));
  }
  return lines;
}

/** Specs that did not pass, with their last attempt's error. */
export function playwrightFailures(suite: PlaywrightSuite): string[] {
  const lines: string[] = [];
  for (const spec of suite.specs ?? []) {
    if (spec.ok) continue;
    const last = spec.tests.flatMap((t) => t.results).at(-1);
    lines.push(`  [playwright] ${spec.file} > ${spec.title}`, ...firstLines(last?.error?.message));
  }
  for (const child of suite.suites ?? []) lines.push(...playwrightFailures(child));
  return lines;
}
