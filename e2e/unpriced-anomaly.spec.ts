import { test, expect } from "./test";

// Posts an event into the default project: this file sorts after overview.spec.ts, whose isolation
// check counts exactly the seeded events (specs run in file order on one worker).
test("Alerts page: the first call of a model without a price becomes an anomaly alert, counted by the badge until acknowledged", async ({ page, request, fixture }) => {
  const model = `e2e-unpriced-${Date.now()}`;
  const sent = await request.post("/api/v1/events", {
    headers: { authorization: `Bearer ${fixture.apiKey}` },
    data: { provider: "openai", model, inputTokens: 10, outputTokens: 5, feature: "e2e-anomaly" },
  });
  expect(sent.status()).toBe(200);
  await page.goto("/alerts");
  const anomaly = page.getByTestId("anomaly-item").filter({ hasText: model });
  // the e2e server looks for anomalies every 2 s after its evaluator's tick
  await expect(async () => {
    await page.reload();
    await expect(anomaly).toContainText("a model without a price", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  const badge = page.getByTestId("alert-badge");
  const before = Number(await badge.textContent()); // one worker: nothing else changes the count meanwhile
  expect(before).toBeGreaterThan(0);
  expect(before).toBeLessThan(100); // "99+" would hide the change
  await anomaly.getByRole("button", { name: `Acknowledge anomaly of model ${model}` }).click();
  await expect(anomaly).toContainText("acknowledged by");
  if (before === 1) await expect(badge).toHaveCount(0);
  else await expect(badge).toHaveText(String(before - 1));
});
