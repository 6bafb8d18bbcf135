import { bodyRows, test, expect } from "./test";

// Planted by scripts/e2e-server.ts: one gpt-5 batch call (10,000 in, 4,000 cached, 1,000 out) and six
// claude-sonnet-4-5 calls a minute apart sharing an 8,000-character prompt prefix.

test("the event drawer shows the call's receipt: line items adding up to its cost", async ({ page }) => {
  await page.goto("/events?feature=planted-receipt");
  await expect(bodyRows(page)).toHaveCount(1);
  await bodyRows(page).first().click();
  const drawer = page.getByRole("dialog", { name: "Event details" });
  const receipt = drawer.getByTestId("receipt");
  await expect(receipt).toBeVisible();
  // batch: 6,000 × $0.625 + 4,000 × $0.0625 + 1,000 × $5 per 1M = $0.009
  await expect(receipt.locator("tr[data-kind=uncached_input]")).toContainText("$0.003750000000");
  await expect(receipt.locator("tr[data-kind=output]")).toContainText("$0.005000000000");
  await expect(receipt.getByTestId("receipt-total")).toHaveText("$0.009000000000");
  await expect(receipt).toContainText("service tier batch");
});

test("the what-if panel reprices the window's traffic on another model", async ({ page }) => {
  await page.goto("/features?feature=planted-receipt&range=7d");
  const panel = page.getByTestId("what-if-panel");
  await panel.locator("summary").click();
  await panel.getByLabel("Provider").fill("openai");
  await panel.getByLabel("Model").fill("gpt-5");
  await panel.getByLabel("Tier").selectOption("standard");
  await panel.getByRole("button", { name: "Compare" }).click();
  // the batch call at the standard price: $0.018, i.e. +$0.009
  await expect(panel.getByTestId("what-if-difference")).toHaveText("+0.009000000000");
  await expect(panel.getByTestId("what-if-result")).toContainText("planted-receipt");
});

test("the prompt-cache panel finds the shared prefix and prices it", async ({ page }) => {
  await page.goto("/prompts?feature=planted-cache&range=7d");
  const panel = page.getByTestId("cache-panel");
  await panel.locator("summary").click();
  const row = panel.getByTestId("cache-row").filter({ hasText: "planted-cache" });
  await expect(row).toBeVisible();
  await expect(row).toContainText("100%");
  await expect(row).toContainText("anthropic/claude-sonnet-4-5");
});
