import { bodyRows, test, expect } from "./test";

test("prompt search finds the planted prompts and the panel shows the full text", async ({ page, fixture }) => {
  await page.goto("/prompts");
  await page.getByLabel("Search prompt text").fill("Northwind");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=Northwind/);
  await expect(bodyRows(page)).toHaveCount(fixture.plantedPrompts.length);
  await bodyRows(page).first().click();
  const panel = page.getByRole("complementary", { name: /Prompt #/ });
  await expect(panel.getByTestId("prompt-text")).toContainText("Northwind Traders");
});

test("the similar-prompts panel lists the planted variants", async ({ page, fixture }) => {
  await page.goto("/prompts?q=Northwind");
  await bodyRows(page).filter({ hasText: fixture.plantedPrompts[0] ?? "" }).click();
  const similar = page.getByTestId("similar-prompts");
  await expect(similar.locator("li")).toHaveCount(fixture.plantedPrompts.length - 1);
  await expect(similar).toContainText("Northwind Traders");
});

test("the clusters view groups the planted variants and shows their savings", async ({ page }) => {
  // Only the planted feature: its three variants make exactly one cluster.
  await page.goto("/prompts?feature=planted-similar");
  await page.getByRole("button", { name: "Clusters with savings" }).click();
  await expect(page).toHaveURL(/view=clusters/);
  const clusters = page.getByTestId("clusters");
  await expect(clusters).toBeVisible();
  const row = clusters.locator("tbody tr", { hasText: "Northwind Traders" });
  await expect(row).toHaveCount(1);
  await expect(row.locator("td").nth(1)).toHaveText("3");
  await page.reload();
  await expect(page.getByTestId("clusters")).toBeVisible();
});

test("the overview shows the savings headline from prompt clusters", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("savings-headline")).toContainText("could be saved");
});
