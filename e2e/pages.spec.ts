import type { Page } from "@playwright/test";
import { expectNoSeriousA11yViolations, saveScreenshot, test, expect } from "./test";

/** Sum of the layout-shift entries since navigation (Chromium buffers them), as Web Vitals' CLS. */
async function cumulativeLayoutShift(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let sum = 0;
        const add = (entries: PerformanceEntryList) => {
          for (const e of entries as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
            if (!e.hadRecentInput) sum += e.value;
          }
        };
        const observer = new PerformanceObserver((list) => add(list.getEntries()));
        observer.observe({ type: "layout-shift", buffered: true });
        // The buffered entries are queued to the observer at once; two frames later they have all
        // been delivered (or are still pending in takeRecords), with or without any shift at all.
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            add(observer.takeRecords());
            observer.disconnect();
            resolve(sum);
          }),
        );
      }),
  );
}

const PAGES = [
  { path: "/", name: "overview", ready: "[data-testid=summary-cost]" },
  { path: "/events", name: "events", ready: ".vtable-body [role=row]" },
  { path: "/features", name: "features", ready: ".vtable-body [role=row]" },
  { path: "/models", name: "models", ready: ".vtable-body [role=row]" },
  { path: "/prompts", name: "prompts", ready: ".vtable-body [role=row]" },
  { path: "/prompts?view=clusters", name: "prompt-clusters", ready: "[data-testid=clusters]" },
  { path: "/settings", name: "settings", ready: "table[aria-label='API keys']" },
  { path: "/users", name: "users", ready: ".vtable-body [role=row]" },
  { path: "/users/sessions", name: "sessions", ready: ".vtable-body [role=row]" },
  { path: "/breakdown?by=metadata:customer", name: "breakdown", ready: ".vtable-body [role=row]" },
  { path: "/budgets", name: "budgets", ready: "#budget-form-title" },
  { path: "/alerts", name: "alerts", ready: "#alerts-title" },
];

for (const p of PAGES) {
  test(`${p.name}: renders without console errors or layout shift, passes axe, in light and dark`, async ({ page }) => {
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(p.path);
      await expect(page.locator(p.ready).first()).toBeVisible();
      await page.waitForLoadState("networkidle");
      expect(await cumulativeLayoutShift(page), "layout shift while the page loaded").toBeLessThan(0.1);
      await expectNoSeriousA11yViolations(page);
      await saveScreenshot(page, `${p.name}-${scheme}`);
    }
  });
}

test("server HTML already carries the first rows (no client waterfall)", async ({ request }) => {
  const html = await (await request.get("/events")).text();
  expect(html).toContain('data-row-id="');
  const overview = await (await request.get("/")).text();
  expect(overview).toContain('data-testid="summary-cost"');
});

test("keyboard: skip link, navigation and the event drawer work without a mouse", async ({ page }) => {
  await page.goto("/events");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  const firstOpen = page.locator(".vtable-body [role=row] button").first();
  await firstOpen.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog", { name: "Event details" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toBeHidden();
});
