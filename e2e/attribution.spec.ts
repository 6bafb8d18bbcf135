import { bodyRows, expect, test, trpcQuery } from "./test";

type Page<T> = { items: T[]; nextCursor: string | null };

test("Users lists end users by cost; a click opens the user's drill-down with features and sessions", async ({ page, fixture, request }) => {
  await page.goto("/users");
  await expect(bodyRows(page).first()).toBeVisible();
  const first = (await bodyRows(page).first().locator("[role=cell]").first().textContent())?.trim() ?? "";
  const api = await trpcQuery<Page<{ userId: string }>>(request, fixture.apiKey, "users.list", { limit: 1 });
  // The window of the page (30 days) holds every seeded event, so the top user is the API's.
  expect(first).toBe(api.items[0]?.userId);
  await bodyRows(page).first().click();
  await expect(page).toHaveURL(new RegExp(`/users\\?user=${encodeURIComponent(first)}`));
  await expect(page.getByTestId("user-detail")).toContainText(first);
  await expect(page.getByRole("grid", { name: "User features" }).or(page.getByLabel("User features")).first()).toBeVisible();
  await expect(page.getByLabel("User", { exact: true })).toHaveValue(first);
  await page.getByRole("link", { name: "← All users" }).click();
  await expect(page).toHaveURL(/\/users$/);
});

test("Users can be ordered by calls; the order is in the URL", async ({ page }) => {
  await page.goto("/users");
  await page.getByLabel("Order by").selectOption("calls");
  await expect(page).toHaveURL(/order=calls/);
  await expect(bodyRows(page).first()).toBeVisible();
  const calls = (await bodyRows(page).locator("[role=cell]:nth-child(2)").allTextContents()).slice(0, 10).map((t) => Number(t.replace(/,/g, "")));
  expect(calls).toEqual([...calls].sort((a, b) => b - a));
});

test("Sessions show prompt growth; a session opens its events", async ({ page }) => {
  await page.goto("/users/sessions");
  await expect(bodyRows(page).first()).toBeVisible();
  await bodyRows(page).first().click();
  await expect(page).toHaveURL(/\/events\?session=/);
  await expect(bodyRows(page).first()).toBeVisible();
});

test("Breakdown by tag and by a metadata key; a tag filter in the URL narrows it; export carries by", async ({ page }) => {
  await page.goto("/breakdown?by=tag");
  await expect(bodyRows(page).first()).toBeVisible();
  await expect(page.locator("a[data-format=csv]")).toHaveAttribute("href", /\/api\/export\/breakdown\?.*by=tag/);
  await page.getByLabel("Group by").selectOption({ label: "Metadata key…" });
  // Any key, promoted or not (region is not: it is answered from raw events).
  await page.getByLabel("Metadata key", { exact: true }).fill("region");
  await page.getByLabel("Metadata key", { exact: true }).press("Enter");
  await expect(page).toHaveURL(/by=metadata%3Aregion/);
  await expect(bodyRows(page).filter({ hasText: "eu-west" }).first()).toBeVisible();
  // A promoted key is offered in the list.
  await page.getByLabel("Group by").selectOption({ label: "metadata: plan" });
  await expect(page).toHaveURL(/by=metadata%3Aplan/);
  await expect(bodyRows(page).filter({ hasText: "enterprise" }).first()).toBeVisible();
  await page.goto("/breakdown?by=user&tag=beta");
  await expect(page.getByLabel("Tag", { exact: true })).toHaveValue("beta");
  await expect(bodyRows(page).first()).toBeVisible();
});

test("the Overview chart stacks by any dimension", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Stack by").selectOption("tag");
  await expect(page).toHaveURL(/group=tag/);
  await expect(page.getByText("Cost over time by tag")).toBeVisible();
});
