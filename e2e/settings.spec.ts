import { test, expect } from "./test";

test("an API key is created (shown once), works, and stops working when revoked", async ({ page, request }) => {
  await page.goto("/settings");
  const name = `e2e-key-${Date.now()}`;
  await page.getByLabel("Key name").fill(name);
  await page.getByRole("button", { name: "Create key" }).click();
  const value = page.getByTestId("new-key-value");
  await expect(value).toHaveText(/^acp_[A-Za-z0-9_-]{32,}$/);
  const key = (await value.textContent()) ?? "";

  const event = { provider: "openai", model: "gpt-4o-mini", inputTokens: 10, outputTokens: 5, feature: "e2e-key-check" };
  const ok = await request.post("/api/v1/events", { headers: { authorization: `Bearer ${key}` }, data: event });
  expect(ok.status()).toBe(200);

  const row = page.locator("tr", { hasText: name });
  await expect(row.getByText("active")).toBeVisible();
  await row.getByRole("button", { name: /Revoke key/ }).click();
  await row.getByRole("button", { name: "Confirm revoke" }).click();
  await expect(row.getByText("revoked")).toBeVisible();

  const refused = await request.post("/api/v1/events", { headers: { authorization: `Bearer ${key}` }, data: event });
  expect(refused.status()).toBe(401);
  await page.reload();
  await expect(page.getByTestId("new-key-value")).toHaveCount(0);
});

test("a custom price is saved, listed and deleted; a bad price names its field", async ({ page }) => {
  await page.goto("/settings");
  const form = page.locator("form.price-form");
  await form.getByLabel("Provider").fill("self-hosted");
  await form.getByLabel("Model").fill("e2e-model");
  await form.getByLabel("Input $/1M", { exact: true }).fill("abc");
  await form.getByLabel("Output $/1M").fill("2");
  await form.getByLabel("Effective from").fill("2026-01-01");
  await page.getByRole("button", { name: "Save price" }).click();
  await expect(form.getByText(/price must be a decimal string/)).toBeVisible();
  await form.getByLabel("Input $/1M", { exact: true }).fill("1.25");
  await page.getByRole("button", { name: "Save price" }).click();
  const row = page.locator("table[aria-label='Custom prices'] tr", { hasText: "self-hosted/e2e-model" });
  await expect(row).toContainText("$1.25");
  await row.getByRole("button", { name: /Delete price/ }).click();
  await expect(row).toHaveCount(0);
});
