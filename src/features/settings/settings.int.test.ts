import { afterAll, expect, it } from "vitest";
import { getFilterOptions } from "~/features/filters/server";
import { getPromptText } from "~/features/prompts/server";
import { ingestEvents } from "~/features/ingestion/server";
import { findActiveApiKey } from "~/server/auth/api-keys";
import { AppError } from "~/server/errors";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import { createKey, listKeys, revokeKey } from "./server/keys";
import { deleteCustomPrice, listCustomPrices, upsertCustomPrice } from "./server/prices";

afterAll(closeTestDb);

const price = { provider: "self-hosted", model: "acme-ft", input: "0.5", output: "1.5", effectiveFrom: "2026-01-01", source: "custom price (dashboard)" };

describeWithDb("settings and dashboard server functions (real PostgreSQL)", () => {
  it("creates a key shown once, lists it by prefix, and revokes it so it stops authenticating", async () => {
    const p = await newProject("keys");
    const { key, prefix } = await createKey(testDb().db, p.projectId, "ci");
    expect(key).toMatch(/^acp_[A-Za-z0-9_-]{32,}$/);
    const listed = (await listKeys(testDb().db, p.projectId)).find((k) => k.prefix === prefix);
    expect(listed).toMatchObject({ name: "ci", revokedAt: null });
    expect(JSON.stringify(await listKeys(testDb().db, p.projectId))).not.toContain(key);
    expect(await findActiveApiKey(testDb().db, key)).not.toBeNull();
    await revokeKey(testDb().db, p.projectId, listed?.id ?? "");
    expect(await findActiveApiKey(testDb().db, key)).toBeNull();
  });

  it("never revokes another project's key", async () => {
    const a = await newProject("keys-a");
    const b = await newProject("keys-b");
    const bKey = (await listKeys(testDb().db, b.projectId))[0];
    const err = await revokeKey(testDb().db, a.projectId, bKey?.id ?? "").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(404);
    expect(await findActiveApiKey(testDb().db, b.key)).not.toBeNull();
  });

  it("upserts a custom price per (provider, model, effective date), prices new events with it, deletes it", async () => {
    const p = await newProject("prices");
    const { id } = await upsertCustomPrice(testDb().db, p.projectId, price);
    const again = await upsertCustomPrice(testDb().db, p.projectId, { ...price, output: "2" });
    expect(again.id).toBe(id);
    expect(await listCustomPrices(testDb().db, p.projectId)).toMatchObject([{ id, provider: "self-hosted", model: "acme-ft", output: "2" }]);
    const res = await ingestEvents(testDb(), p.projectId, [
      { id: "priced", timestamp: new Date().toISOString(), provider: "self-hosted", model: "acme-ft", inputTokens: 1_000_000, outputTokens: 1_000_000 },
    ]);
    expect(res.accepted).toBe(1);
    const cost = (await testDb().sql`SELECT cost_usd::text AS c, cost_source FROM cost_events WHERE project_id = ${p.projectId}`)[0];
    expect(cost).toEqual({ c: "2.500000000000", cost_source: "computed" });
    const other = await newProject("prices-other");
    await expect(deleteCustomPrice(testDb().db, other.projectId, id)).rejects.toMatchObject({ status: 404 });
    await deleteCustomPrice(testDb().db, p.projectId, id);
    expect(await listCustomPrices(testDb().db, p.projectId)).toEqual([]);
  });

  it("lists filter choices from the rollup and reads a prompt's text within the project only", async () => {
    const p = await newProject("options");
    const now = Date.now();
    await ingestEvents(testDb(), p.projectId, [
      { id: "a", timestamp: new Date(now - 3_600_000).toISOString(), provider: "openai", model: "gpt-4o-mini", feature: "chat", inputTokens: 5, outputTokens: 5, prompt: "Hello there" },
      { id: "b", timestamp: new Date(now - 7_200_000).toISOString(), provider: "anthropic", model: "claude-haiku-4-5", inputTokens: 5, outputTokens: 5 },
    ]);
    const options = await getFilterOptions(testDb().db, p.projectId, { from: new Date(now - 86_400_000), to: new Date(now + 60_000) });
    expect(options.features.sort()).toEqual(["chat", null].sort());
    expect(options.models).toEqual([
      { provider: "anthropic", model: "claude-haiku-4-5" },
      { provider: "openai", model: "gpt-4o-mini" },
    ]);
    const promptId = (await testDb().sql`SELECT id::text AS id FROM prompts WHERE project_id = ${p.projectId}`)[0]?.id as string;
    expect((await getPromptText(testDb().db, p.projectId, promptId)).text).toBe("Hello there");
    const other = await newProject("options-other");
    await expect(getPromptText(testDb().db, other.projectId, promptId)).rejects.toMatchObject({ status: 404 });
  });
});
