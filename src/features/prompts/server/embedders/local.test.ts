import { describe, expect, it } from "vitest";
import { createLocalEmbedder, localEmbedding } from "./local";
import { cosine } from "./types";

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe("local embedder (signed feature hashing)", () => {
  it("is deterministic and L2-normalised, in the configured dimension", async () => {
    const e = createLocalEmbedder(512);
    const [a, b] = await e.embed(["You are a helpful assistant for Acme.", "You are a helpful assistant for Acme."]);
    expect(a).toHaveLength(512);
    expect(b).toEqual(a);
    expect(localEmbedding("You are a helpful assistant for Acme.", 512)).toEqual(a);
    expect(norm(a ?? new Float32Array())).toBeCloseTo(1, 5);
    expect(localEmbedding("short", 256)).toHaveLength(256);
    expect(e.model).toBe("local/hash-v1@512");
  });

  it("gives every text, even an empty one, a unit vector", () => {
    for (const t of ["", " ", "a", "😀", "x".repeat(50_000)]) expect(norm(localEmbedding(t, 512))).toBeCloseTo(1, 5);
  });

  it("ignores case and whitespace differences", () => {
    expect(cosine(localEmbedding("Hello   World\n", 512), localEmbedding("hello world", 512))).toBeCloseTo(1, 6);
  });

  it("scores near-duplicates well above unrelated texts", () => {
    const base = "Draft a friendly follow-up email to Ada about refunds.";
    const variants = [
      "Draft a friendly follow-up email to Grace about refunds.",
      "Draft a friendly follow-up email to Ada about shipping times.",
      "Draft a friendly follow up e-mail to Ada about refunds!",
    ];
    const unrelated = [
      "Classify this support ticket into one of: billing, bug, feature-request, account.",
      "Translate into Japanese, keeping the tone: Thanks for your order!",
      "Review this diff for bugs, security issues and style.",
    ];
    const q = localEmbedding(base, 512);
    const near = variants.map((t) => cosine(q, localEmbedding(t, 512)));
    const far = unrelated.map((t) => cosine(q, localEmbedding(t, 512)));
    for (const s of near) expect(s).toBeGreaterThan(0.75);
    for (const s of far) expect(s).toBeLessThan(0.3);
    expect(Math.min(...near)).toBeGreaterThan(Math.max(...far) + 0.4);
  });

  it("ranks a one-word change above a rewording above a different prompt", () => {
    const q = localEmbedding("Summarize the following support conversation in three bullet points for an agent: App crashes on login", 512);
    const oneWord = cosine(q, localEmbedding("Summarize the following support conversation in three bullet points for an agent: Charged twice this month", 512));
    const reworded = cosine(q, localEmbedding("Give an agent a 3-bullet summary of this support chat: App crashes on login", 512));
    const other = cosine(q, localEmbedding("Write release notes for version 2.3.0 from these commit messages", 512));
    expect(oneWord).toBeGreaterThan(reworded);
    expect(reworded).toBeGreaterThan(other);
  });
});
