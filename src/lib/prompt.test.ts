import { describe, expect, it } from "vitest";
import { normalizePrompt, truncateText } from "./prompt";

describe("normalizePrompt", () => {
  it("treats whitespace and Unicode forms as equal", () => {
    expect(normalizePrompt("  Hello\r\n\tworld  ")).toBe("Hello world");
    expect(normalizePrompt("caf\u0065\u0301")).toBe(normalizePrompt("caf\u00e9"));
  });
  it("keeps case and punctuation (they change meaning)", () => {
    expect(normalizePrompt("Hello!")).not.toBe(normalizePrompt("hello"));
  });
});

describe("truncateText", () => {
  it("leaves short text alone", () => {
    expect(truncateText("abc", 5)).toEqual({ text: "abc", truncated: false });
  });
  it("cuts long text and flags it", () => {
    expect(truncateText("abcdef", 4)).toEqual({ text: "abcd", truncated: true });
  });
  it("never splits a surrogate pair", () => {
    const out = truncateText("ab😀cd", 3);
    expect(out.text).toBe("ab");
    expect(out.truncated).toBe(true);
  });
});
