import { bodyRows, test, expect } from "./test";

const MAX_ROWS_IN_DOM = 80; // viewport rows + overscan; far below the hundreds loaded

test("scrolling loads further pages with no duplicate rows and a bounded DOM", async ({ page }) => {
  await page.goto("/events");
  const body = page.locator(".vtable-body");
  await expect(bodyRows(page).first()).toBeVisible();
  await expect(page.getByTestId("loaded-count")).toHaveText("200+ events");

  const byIndex = new Map<number, string>();
  let maxInDom = 0;
  for (let step = 0; step < 120; step++) {
    const snapshot = await bodyRows(page).evaluateAll((rows) =>
      rows.map((r) => [Number(r.getAttribute("aria-rowindex")), r.getAttribute("data-row-id") ?? ""] as const),
    );
    maxInDom = Math.max(maxInDom, snapshot.length);
    for (const [i, id] of snapshot) {
      const seen = byIndex.get(i);
      if (seen !== undefined) expect(seen, `row ${i} changed identity`).toBe(id);
      byIndex.set(i, id);
    }
    if (byIndex.size >= 650) break;
    await body.evaluate((el) => el.scrollBy(0, 560));
    // The virtualizer renders on the next frames: wait for them, not for a fixed time.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  // Three pages of 200 arrived as the user scrolled (the fourth is requested ahead of time).
  expect(byIndex.size).toBeGreaterThanOrEqual(650);
  const ids = [...byIndex.values()];
  expect(new Set(ids).size, "duplicate rows across pages").toBe(ids.length);
  expect(maxInDom).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);
  expect(await bodyRows(page).count()).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);
});

test("a filter updates the URL and the rows, reload restores it, back removes it", async ({ page }) => {
  await page.goto("/events");
  await expect(bodyRows(page).first()).toBeVisible();
  await page.getByLabel("Status").selectOption("error");
  await expect(page).toHaveURL(/[?&]status=error/);
  const statuses = bodyRows(page).locator("[role=cell]:nth-child(5)");
  await expect(statuses.first()).toHaveText("error");
  await expect.poll(async () => [...new Set(await statuses.allTextContents())]).toEqual(["error"]);

  await page.getByLabel("Provider").selectOption("anthropic");
  await expect(page).toHaveURL(/provider=anthropic/);
  await expect.poll(async () => [...new Set(await bodyRows(page).locator("[role=cell]:nth-child(3)").allTextContents())].every((t) => t.startsWith("anthropic/"))).toBe(true);

  await page.reload();
  await expect(page.getByLabel("Status")).toHaveValue("error");
  await expect(page.getByLabel("Provider")).toHaveValue("anthropic");
  await expect.poll(async () => [...new Set(await statuses.allTextContents())]).toEqual(["error"]);

  await page.goBack();
  await expect(page).not.toHaveURL(/provider=/);
  await expect(page.getByLabel("Provider")).toHaveValue("");
  await page.goBack();
  await expect(page).not.toHaveURL(/status=/);
  await expect(page.getByLabel("Status")).toHaveValue("");
});

test("two quick Back navigations while results load end on the URL's filters (issue 18 race)", async ({ page }) => {
  await page.goto("/events");
  await expect(bodyRows(page).first()).toBeVisible();
  await page.getByLabel("Status").selectOption("error");
  await expect(page).toHaveURL(/[?&]status=error/);
  await page.getByLabel("Provider").selectOption("anthropic");
  await expect(page).toHaveURL(/provider=anthropic/);
  await page.reload();
  await expect(page.getByLabel("Provider")).toHaveValue("anthropic");
  // Every answer is held back until both Back navigations happened: the first one's render is
  // still waiting for data when the second arrives — the order the flaky run hit by chance.
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  await page.route("**/api/trpc/**", async (route) => {
    await gate;
    await route.continue();
  });
  await page.evaluate(() => history.back());
  await expect(page).not.toHaveURL(/provider=/);
  await page.evaluate(() => history.back());
  await expect(page).not.toHaveURL(/status=/);
  release();
  await expect(page.getByLabel("Provider")).toHaveValue("");
  await expect(page.getByLabel("Status")).toHaveValue("");
  await page.unrouteAll({ behavior: "ignoreErrors" });
  const statuses = bodyRows(page).locator("[role=cell]:nth-child(5)");
  // Unfiltered again: the rows are no longer only the "error" ones (most calls succeed).
  await expect.poll(async () => await statuses.allTextContents()).toContain("success");
});

test("a custom time range is applied from the URL and shown in the inputs", async ({ page }) => {
  const from = "2026-01-01T00:00:00.000Z";
  const to = "2026-01-02T00:00:00.000Z";
  await page.goto(`/events?range=custom&from=${from}&to=${to}`);
  await expect(page.getByLabel("Time range")).toHaveValue("custom");
  await expect(page.getByLabel("From (UTC)")).toHaveValue("2026-01-01T00:00");
  await expect(page.getByText("No events match")).toBeVisible();
});

test("the row drawer shows the prompt text and metadata", async ({ page, fixture }) => {
  await page.goto("/events?feature=planted-similar");
  await expect(bodyRows(page)).toHaveCount(fixture.plantedPrompts.length);
  await bodyRows(page).first().click();
  const drawer = page.getByRole("dialog", { name: "Event details" });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByTestId("prompt-text")).toHaveText(fixture.plantedPrompts[0] ?? "");
  await expect(drawer).toContainText("planted-user");
  await drawer.getByRole("button", { name: "Close" }).click();
  await expect(drawer).toBeHidden();
});
