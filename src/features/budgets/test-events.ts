// Test fixture (not imported by the app): priced calls for the budgets' integration tests.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { testDb } from "~/test/integration";

export type TestCall = {
  at: number | string | Date;
  cost?: string;
  feature?: string;
  model?: string;
  userId?: string;
  tags?: string[];
  prompt?: string;
};

/** Stores the calls (10 + 10 tokens each, the reported cost when given) and checks all were accepted. */
export async function ingestCalls(projectId: string, calls: TestCall[]): Promise<void> {
  const res = await ingestEvents(
    testDb(),
    projectId,
    calls.map((c) => ({
      id: randomUUID(),
      timestamp: new Date(c.at).toISOString(),
      provider: "openai",
      model: c.model ?? "gpt-4o-mini",
      inputTokens: 10,
      outputTokens: 10,
      ...(c.cost === undefined ? {} : { costUsd: c.cost }),
      ...(c.feature ? { feature: c.feature } : {}),
      ...(c.userId ? { userId: c.userId } : {}),
      ...(c.tags ? { tags: c.tags } : {}),
      ...(c.prompt ? { prompt: c.prompt } : {}),
    })),
  );
  expect(res.accepted).toBe(calls.length);
}
