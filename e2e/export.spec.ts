import fs from "node:fs";
import { test, expect, trpcQuery } from "./test";

test("the export button downloads exactly the rows of the table's filter", async ({ page, request, fixture }) => {
  await page.goto("/events?feature=doc-qa&status=success");
  await expect(page.locator(".vtable-body [role=row]").first()).toBeVisible();
  await page.getByText("Export", { exact: true }).click();
  const link = page.getByRole("link", { name: "NDJSON" });
  const href = await link.getAttribute("href");
  expect(href).not.toBeNull();
  const params = new URL(href ?? "", fixture.baseUrl).searchParams;
  expect(params.get("feature")).toBe("doc-qa");
  expect(params.get("status")).toBe("success");
  expect(params.get("format")).toBe("ndjson");

  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const file = await download.path();
  const rows = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { feature: string; status: string });
  const summary = await trpcQuery<{ calls: number }>(request, fixture.apiKey, "stats.summary", {
    from: params.get("from"),
    to: params.get("to"),
    feature: "doc-qa",
    status: "success",
  });
  expect(rows.length).toBe(summary.calls);
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((r) => r.feature === "doc-qa" && r.status === "success")).toBe(true);
});
