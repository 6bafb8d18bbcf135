// The specs' `test`: every page load is watched for console errors and uncaught exceptions, and a
// test fails if any appear. Helpers for the tRPC HTTP API, axe and screenshots live here too.
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";
import { readFixture, type E2EFixture } from "./fixture-data";

type Fixtures = { fixture: E2EFixture; consoleErrors: string[]; expectedErrors: RegExp[] };

export const test = base.extend<Fixtures>({
  fixture: async ({ browserName: _ }, provide) => {
    await provide(readFixture());
  },
  // A spec that provokes an error on purpose (a wrong password's 401) names it here with test.use().
  expectedErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, expectedErrors }, provide) => {
      const errors: string[] = [];
      const push = (text: string) => {
        if (!expectedErrors.some((re) => re.test(text))) errors.push(text);
      };
      page.on("console", (m) => {
        if (m.type() === "error") push(`console.error: ${m.text()}`);
      });
      page.on("pageerror", (e) => push(`pageerror: ${e.message}`));
      // Name the failing resource: the console only says "Failed to load resource".
      page.on("response", (r) => {
        if (r.status() >= 400 && !r.url().includes("/api/v1/events")) push(`HTTP ${r.status()} ${r.url()}`);
      });
      await provide(errors);
      expect(errors, "console errors on the page").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** GET a tRPC query over HTTP with an API key (superjson wire format). */
export async function trpcQuery<T>(request: APIRequestContext, key: string, procedure: string, input: unknown): Promise<T> {
  const res = await request.get(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { result: { data: { json: T } } };
  return body.result.data.json;
}

export async function expectNoSeriousA11yViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  expect(serious, "axe serious/critical violations").toEqual([]);
}

const SHOTS = path.resolve("test-results", "screenshots");

/** Saves a full-page screenshot as a test artifact (test-results/ is never committed). */
export async function saveScreenshot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/** Row elements currently in the DOM of a virtual table body. */
export function bodyRows(page: Page) {
  return page.locator(".vtable-body [role=row][data-row-id]");
}
