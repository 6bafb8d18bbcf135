import { describe, expect, it } from "vitest";
import { REDACTED } from "~/lib/redact";
import { storedPrompt } from "./prompt-privacy";

const PROMPT = "Write to jane@example.com about the invoice";

describe("storedPrompt (STORE_PROMPT_TEXT)", () => {
  it("full keeps the text, redacted masks it, none keeps nothing and skips the embedding", () => {
    expect(storedPrompt(PROMPT, "full", 1000)).toEqual({ text: PROMPT, truncated: false, embed: true });
    expect(storedPrompt(PROMPT, "redacted", 1000)).toEqual({ text: `Write to ${REDACTED.email} about the invoice`, truncated: false, embed: true });
    expect(storedPrompt(PROMPT, "none", 1000)).toEqual({ text: "", truncated: false, embed: false });
  });

  it("redacts before truncating, so a secret across the cut is masked whole, not half kept", () => {
    const key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
    const text = `${"x".repeat(290)} ${key} and more`;
    const out = storedPrompt(text, "redacted", 300);
    expect(out.truncated).toBe(true);
    expect(out.text).not.toContain("sk-proj-abcdefgh");
    expect(out.text.length).toBeLessThanOrEqual(300);
  });
});
