// Sign-in, sign-out and the CSP in a real browser: the auth pages render with no console errors
// (a CSP violation is one), a wrong password says so, and signing out ends the session for good.
import { test, expect, type Page } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./test";
import { readFixture } from "./fixture-data";

// These specs start signed out; sign-out must not end the shared session of the other specs.
test.use({ storageState: { cookies: [], origins: [] } });

/** Console and page errors, except the failed request the test provokes on purpose (`expected`). */
function watch(page: Page, expected?: RegExp): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !(expected && expected.test(m.text()))) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

test("sign-in page: renders under the CSP without console errors, passes axe, refuses a wrong password", async ({ page }) => {
  const errors = watch(page, /status of 401/);
  const res = await page.goto("/sign-in");
  expect(res?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  await expectNoSeriousA11yViolations(page);
  await page.getByLabel("Email").fill(readFixture().owner.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("#sign-in-error")).toHaveText("Wrong email or password.");
  expect(errors, "console errors (CSP violations included)").toEqual([]);
});

test("signs in, then signs out: the dashboard sends the old session back to sign-in", async ({ page, context }) => {
  const errors = watch(page);
  const { owner } = readFixture();
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(owner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  const session = (await context.cookies()).find((c) => c.name === "acp.session_token");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  // Requests the dashboard still had in flight at sign-out are answered 401 — that is the point;
  // what must stay clean is everything from the sign-in page on.
  errors.length = 0;
  // Replaying the old cookie does not bring the session back: it was deleted on the server.
  if (session) await context.addCookies([session]);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/sign-in$/);
  expect(errors).toEqual([]);
});

test("the 404 page renders under the CSP without console errors", async ({ page }) => {
  const errors = watch(page, /status of 404/);
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  expect(errors).toEqual([]);
});
