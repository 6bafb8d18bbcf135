import { describe, expect, it } from "vitest";
import { testColumn } from "./test-columns";
import { jsonValue } from "./json";
import { createWriter } from "./writer";

const cols = (["text:text", "n:integer", "rate:number", "cost:decimal", "meta:json", "ok:boolean"] as const).map(testColumn);
const rows = [
  ['=1+1 "q"\r\n🚀', 3, 0.25, "-0.000000000001", '{"a": [1, "x"]}', true],
  [null, null, null, null, null, false],
];

function write(format: "json" | "ndjson", batches: unknown[][][], truncatedAt: number | null) {
  const w = createWriter(format, cols);
  return w.head() + batches.map((b) => w.rows(b)).join("") + w.tail(truncatedAt);
}

describe("JSON and NDJSON writers", () => {
  it("writes one JSON array incrementally, values typed, exact decimals as strings, metadata embedded", () => {
    const text = write("json", [[rows[0] ?? []], [rows[1] ?? []]], null);
    expect(JSON.parse(text)).toEqual([
      { text: '=1+1 "q"\r\n🚀', n: 3, rate: 0.25, cost: "-0.000000000001", meta: { a: [1, "x"] }, ok: true },
      { text: null, n: null, rate: null, cost: null, meta: null, ok: false },
    ]);
    expect(text.split("\n")).toHaveLength(5); // "[", two elements, "]", trailing ""
  });

  it("writes valid JSON for zero rows and for a capped export", () => {
    expect(JSON.parse(write("json", [], null))).toEqual([]);
    expect(JSON.parse(write("json", [[]], 0))).toEqual([{ _truncated: true, limit: 0 }]);
    const capped = JSON.parse(write("json", [[rows[0] ?? []]], 1)) as unknown[];
    expect(capped.at(-1)).toEqual({ _truncated: true, limit: 1 });
  });

  it("writes NDJSON one object per line, the marker last", () => {
    const lines = write("ndjson", [rows], 2).trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ n: 3, cost: "-0.000000000001" });
    expect(JSON.parse(lines[2] ?? "")).toEqual({ _truncated: true, limit: 2 });
  });

  it("never writes a non-finite number", () => {
    expect(jsonValue("number", Number.NaN)).toBe("null");
    expect(jsonValue("integer", Infinity)).toBe("null");
  });
});
