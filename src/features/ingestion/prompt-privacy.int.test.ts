// STORE_PROMPT_TEXT against the real database: what each mode stores, that exact repeats are found
// the same way in every mode (the hash is always of the original text), and that `none` never
// queues a prompt for an embedding. The ingestion module is loaded afresh per mode (env is read once).
import { createHash } from "node:crypto";
import { afterAll, afterEach, expect, it, vi } from "vitest";
import { normalizePrompt } from "~/lib/prompt";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import { foldAll } from "~/server/rollups/fold";

const SECRET_PROMPT = "Email jane.doe@example.com or call +1 (555) 123-4567; key sk-proj-abcdefghijklmnop1234567890 — summarise the thread";
const SAME_PROMPT_REFORMATTED = `  ${SECRET_PROMPT.replace(" — ", "  —\n ")}  `;

type PromptRow = { text: string; occurrences: string; hash: Buffer; embed_done: boolean; original_length: number };

async function ingestWith(mode: "full" | "redacted" | "none") {
  vi.resetModules();
  vi.stubEnv("STORE_PROMPT_TEXT", mode);
  const { ingestEvents } = await import("~/features/ingestion/server/ingest");
  const project = await newProject(`privacy-${mode}`);
  const base = { provider: "openai", model: "gpt-4o-mini", inputTokens: 100, outputTokens: 10 };
  const res = await ingestEvents(testDb(), project.projectId, [
    { ...base, id: "a", prompt: SECRET_PROMPT },
    { ...base, id: "b", prompt: SAME_PROMPT_REFORMATTED },
    { ...base, id: "c", prompt: SECRET_PROMPT },
  ]);
  expect(res).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
  await foldAll(testDb().sql);
  return testDb().sql<PromptRow[]>`
    SELECT text, occurrences::text, hash, embed_done, original_length FROM prompts WHERE project_id = ${project.projectId}`;
}

const expectedHash = createHash("sha256").update(normalizePrompt(SECRET_PROMPT), "utf8").digest();

describeWithDb("STORE_PROMPT_TEXT (real PostgreSQL)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(closeTestDb);

  it("full: the text as sent; one prompt row for the three exact repeats", async () => {
    const rows = await ingestWith("full");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ text: SECRET_PROMPT, occurrences: "3", embed_done: false, original_length: SECRET_PROMPT.length });
    expect(rows[0]?.hash.equals(expectedHash)).toBe(true);
  });

  it("redacted: emails, phone numbers and keys masked before storage; same hash, same repeat count", async () => {
    const rows = await ingestWith("redacted");
    expect(rows).toHaveLength(1);
    const text = rows[0]?.text ?? "";
    expect(text).toBe("Email [redacted:email] or call [redacted:phone]; key [redacted:key] — summarise the thread");
    expect(text).not.toMatch(/jane|555|sk-proj/);
    expect(rows[0]?.occurrences).toBe("3");
    expect(rows[0]?.hash.equals(expectedHash)).toBe(true);
    // The redacted text is what gets embedded: personal data never reaches an embeddings API.
    expect(rows[0]?.embed_done).toBe(false);
  });

  it("none: no text and never queued for an embedding; exact repeats still counted by hash", async () => {
    const rows = await ingestWith("none");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ text: "", occurrences: "3", embed_done: true, original_length: SECRET_PROMPT.length });
    expect(rows[0]?.hash.equals(expectedHash)).toBe(true);
  });
});
