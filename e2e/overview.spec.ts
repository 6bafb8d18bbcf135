import { formatInt } from "~/lib/display";
import { test, expect, trpcQuery } from "./test";

type Summary = { calls: number; costUsd: string; errors: number; inputTokens: number; outputTokens: number };

test("overview totals match stats.summary over the API", async ({ page, request, fixture }) => {
  const to = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000).toISOString();
  const from = new Date(Date.parse(to) - 20 * 86_400_000).toISOString();
  const api = await trpcQuery<Summary>(request, fixture.apiKey, "stats.summary", { from, to });
  expect(api.calls).toBeGreaterThan(1000);

  await page.goto(`/?range=custom&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  await expect(page.getByTestId("summary-cost")).toHaveAttribute("data-exact", `$${api.costUsd}`);
  await expect(page.getByTestId("summary-calls")).toHaveAttribute("data-exact", formatInt(api.calls));
  await expect(page.getByTestId("summary-tokens")).toHaveAttribute(
    "data-exact",
    `${formatInt(api.inputTokens)} in · ${formatInt(api.outputTokens)} out`,
  );
  await expect(page.getByTestId("unpriced-warning")).toContainText("acme-llama-70b-ft");
});

// Exactly the seeded events: specs that post into the default project sort after this file
// (settings.spec.ts, unpriced-anomaly.spec.ts; one worker runs the files in order).
test("the other project's data never shows on the default project's dashboard", async ({ request, fixture }) => {
  const mine = await trpcQuery<Summary>(request, fixture.apiKey, "stats.summary", {});
  const other = await trpcQuery<Summary>(request, fixture.otherApiKey, "stats.summary", {});
  expect(mine.calls).toBe(fixture.seededEvents);
  expect(other.calls).toBe(300);
});

test("switching the chart between feature and model keeps the URL in sync", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Stack by").selectOption("model");
  await expect(page).toHaveURL(/group=model/);
  await expect(page.getByRole("heading", { name: /Cost over time by model/i })).toBeVisible();
  await page.goBack();
  await expect(page).not.toHaveURL(/group=model/);
  await expect(page.getByRole("heading", { name: /Cost over time by feature/i })).toBeVisible();
});
