import { bodyRows, test, expect } from "./test";

test("clicking a feature opens Events filtered by it", async ({ page }) => {
  await page.goto("/features");
  const link = bodyRows(page).first().locator("a.row-link");
  const name = (await link.textContent())?.trim() ?? "";
  expect(name).not.toBe("");
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/events\\?feature=${encodeURIComponent(name)}`));
  await expect(page.getByLabel("Feature")).toHaveValue(name);
  await expect(bodyRows(page).first()).toBeVisible();
  const features = await bodyRows(page).locator("[role=cell]:nth-child(2)").allTextContents();
  expect(new Set(features)).toEqual(new Set([name]));
});

test("clicking a model row opens Events filtered by provider and model", async ({ page }) => {
  await page.goto("/models");
  await bodyRows(page).nth(1).click();
  await expect(page).toHaveURL(/\/events\?.*model=/);
  const url = new URL(page.url());
  const expected = `${url.searchParams.get("provider")}/${url.searchParams.get("model")}`;
  await expect(bodyRows(page).first()).toBeVisible();
  const models = await bodyRows(page).locator("[role=cell]:nth-child(3)").allTextContents();
  expect(new Set(models)).toEqual(new Set([expected]));
});
