import { test, expect } from "./test";

// Bad input is refused by the server (a 400 the page shows next to the field): expected here.
test.use({ expectedErrors: [/HTTP 400 .*\/api\/trpc\/(budgets\.create|channels\.create)|Failed to load resource.*\b400\b/] });

test("Budgets page: a bad amount names its field; a budget is created, shows its progress and forecast, is edited and deleted", async ({ page }) => {
  await page.goto("/budgets");
  const name = `e2e budget ${Date.now()}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Amount (USD)").fill("12,50");
  await page.getByRole("button", { name: "Create budget" }).click();
  await expect(page.locator("#budget-amount-issue")).toContainText("amountUsd must be a decimal string");
  await page.getByLabel("Amount (USD)").fill("1000000");
  await page.getByLabel("Period", { exact: true }).selectOption("month");
  await page.getByLabel("Scope", { exact: true }).selectOption("feature");
  await page.getByLabel("Feature", { exact: true }).fill("chat");
  await page.getByRole("button", { name: "Create budget" }).click();
  const item = page.getByTestId("budget-item").filter({ hasText: name });
  await expect(item).toContainText("$1000000.00 per month · feature chat · alerts at 50, 80, 100 %");
  await expect(item.getByRole("progressbar")).toHaveAttribute("aria-valuenow", /^\d+$/);
  await expect(item).toContainText(/forecast \$/);
  await item.getByRole("button", { name: `Edit budget ${name}` }).click();
  await page.getByLabel("Amount (USD)").fill("2000000");
  await page.getByRole("button", { name: "Save budget" }).click();
  await expect(item).toContainText("$2000000.00 per month");
  await item.getByRole("button", { name: `Delete budget ${name}` }).click();
  await expect(item).toHaveCount(0);
});

test("Alerts page: a crossed budget raises an alert, the nav badge counts it, it is acknowledged and muted; a loopback webhook is refused", async ({ page }) => {
  await page.goto("/budgets");
  const name = `e2e tiny ${Date.now()}`;
  await page.getByLabel("Name").fill(name);
  // the fixture's project spends far more than this every month
  await page.getByLabel("Amount (USD)").fill("0.000001");
  await page.getByLabel("Alert at (% of amount)").fill("100");
  await page.getByRole("button", { name: "Create budget" }).click();
  await expect(page.getByTestId("budget-item").filter({ hasText: name })).toContainText("exceeded");

  await page.goto("/alerts");
  const alert = page.getByTestId("alert-item").filter({ hasText: name });
  // the evaluator ticks every second in the e2e server
  await expect(async () => {
    await page.reload();
    await expect(alert).toContainText("reached 100%", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("alert-badge")).toBeVisible();
  await alert.getByRole("button", { name: "Deliveries" }).click();
  await expect(alert).toContainText("no channel was configured");
  await alert.getByRole("button", { name: `Acknowledge alert ${name} 100%` }).click();
  await expect(alert).toContainText("acknowledged by");
  await alert.getByRole("button", { name: `Mute budget ${name} for 24 hours` }).click();
  await expect(alert.getByRole("button", { name: `Unmute budget ${name}` })).toContainText("Muted until");

  await page.getByLabel("Channel name").fill("local hook");
  await page.getByLabel("URL").fill("http://127.0.0.1:9/hook");
  await page.getByRole("button", { name: "Add channel" }).click();
  await expect(page.locator("p[role=alert]")).toContainText("refused: 127.0.0.1 is a loopback, private, link-local or reserved address");
  await page.getByLabel("Kind").selectOption("slack");
  await page.getByLabel("Channel name").fill("team slack");
  await page.getByLabel("URL").fill("https://hooks.example.com/services/T000/B000/XXXX");
  await page.getByRole("button", { name: "Add channel" }).click();
  await expect(page.locator("table[aria-label='Notification channels'] tr", { hasText: "team slack" })).toContainText("slack");
  await page.getByRole("button", { name: "Delete channel team slack" }).click();
  await expect(page.locator("table[aria-label='Notification channels'] tr", { hasText: "team slack" })).toHaveCount(0);
});
