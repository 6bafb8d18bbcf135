// Signs in once through the real sign-in page and saves the browser's session for every spec
// (playwright.config.ts: project "setup", then storageState).
import { expect, test as setup } from "@playwright/test";
import { E2E_AUTH_STATE, readFixture } from "./fixture-data";

setup("sign in as the owner of project default", async ({ page }) => {
  const { owner } = readFixture();
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(owner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await page.context().storageState({ path: E2E_AUTH_STATE });
});
