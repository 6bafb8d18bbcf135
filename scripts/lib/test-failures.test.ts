import { describe, expect, it } from "vitest";
import { playwrightFailures, vitestFailures } from "./test-failures";

describe("the failure list npm test prints last", () => {
  it("names each failed vitest test under its suite and file, with the error's first lines without colour", () => {
    const lines = vitestFailures(
      {
        numPassedTests: 1,
        numFailedTests: 1,
        numPendingTests: 0,
        numTodoTests: 0,
        testResults: [
          { name: "/repo/src/a.int.test.ts", status: "passed", assertionResults: [{ status: "passed", fullName: "fine" }] },
          {
            name: "/repo/src/b.int.test.ts",
            status: "failed",
            assertionResults: [
              { status: "passed", fullName: "b works" },
              { status: "failed", fullName: "b > counts", failureMessages: ["\u001b[31mAssertionError: expected 1 to be greater than 1\u001b[39m\n\n  at b.int.test.ts:10\n  at x\n  at y"] },
            ],
          },
          { name: "/repo/src/c.int.test.ts", status: "failed", message: "Cannot find module 'x'", assertionResults: [] },
        ],
      },
      "vitest-citus",
      "/repo",
    );
    expect(lines).toEqual([
      "  [vitest-citus] src/b.int.test.ts > b > counts",
      "      AssertionError: expected 1 to be greater than 1",
      "      at b.int.test.ts:10",
      "      at x",
      "  [vitest-citus] src/c.int.test.ts (the file failed)",
      "      Cannot find module 'x'",
    ]);
  });

  it("walks Playwright's nested suites and lists only the specs that did not pass", () => {
    const lines = playwrightFailures({
      suites: [
        {
          specs: [{ title: "ok", file: "a.spec.ts", ok: true, tests: [{ results: [{ status: "passed" }] }] }],
          suites: [
            {
              specs: [
                {
                  title: "shows rows",
                  file: "b.spec.ts",
                  ok: false,
                  tests: [{ results: [{ status: "failed", error: { message: "first try" } }, { status: "timedOut", error: { message: "Timed out 10000ms\nwaiting for locator" } }] }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(lines).toEqual(["  [playwright] b.spec.ts > shows rows", "      Timed out 10000ms", "      waiting for locator"]);
  });
});
