// Sign-in, sign-out and the CSP in a real browser: the auth pages render with no console errors
// (a CSP violation is one), a wrong password says so, and signing out ends the session for good.
import { expect, expectNoSeriousA11yViolations, test } from "./test";
import { readFixture } from "./fixture-data";

// These specs start signed out; sign-out must not end the shared session of the other specs.
test.use({ storageState: { cookies: [], origins: [] } });

// The shared fixture fails a test on any console error (a CSP violation is one); the 401 of the
// wrong password and the 404 page are the ones these tests provoke on purpose.
test.describe("a wrong password", () => {
  test.use({ expectedErrors: [/\b401\b/] });
  test("sign-in page: renders under the CSP without console errors, passes axe, refuses a wrong password", async ({ page }) => {
    const res = await page.goto("/sign-in");
    expect(res?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    await expectNoSeriousA11yViolations(page);
    await page.getByLabel("Email").fill(readFixture().owner.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("#sign-in-error")).toHaveText("Wrong email or password.");
  });
});

test("signs in, then signs out: the dashboard sends the old session back to sign-in", async ({ page, context, consoleErrors }) => {
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
  consoleErrors.length = 0;
  // Replaying the old cookie does not bring the session back: it was deleted on the server.
  if (session) await context.addCookies([session]);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/sign-in$/);
});

test.describe("a missing page", () => {
  test.use({ expectedErrors: [/\b404\b/] });
  test("the 404 page renders under the CSP without console errors", async ({ page }) => {
    const res = await page.goto("/no-such-page");
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  });
});
