import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { testColumn } from "./test-columns";
import { csvCell, csvHeader, csvRows, csvTruncatedRow, neutralise } from "./csv";

const cols = (["text:text", "n:integer", "cost:decimal", "meta:json", "ok:boolean"] as const).map(testColumn);

describe("neutralise", () => {
  it("prefixes a single quote to cells starting with a formula trigger", () => {
    for (const s of ['=HYPERLINK("http://x")', "-1+2", "@SUM(A1)", "+1", "\tx", "\r=x", "＝1", "＋1", "－1", "＠x"]) {
      expect(neutralise(s)).toBe(`'${s}`);
    }
  });
  it("leaves everything else alone", () => {
    for (const s of ["", "plain", " =1", "'=already", "1-2", "é", "🚀=", "{\"a\":1}"]) expect(neutralise(s)).toBe(s);
  });
});

describe("csvCell", () => {
  it("never neutralises numbers, exact decimals, ids or timestamps", () => {
    expect(csvCell("integer", -5)).toBe("-5");
    expect(csvCell("number", -0.25)).toBe("-0.25");
    expect(csvCell("decimal", "-0.000000000001")).toBe("-0.000000000001");
    expect(csvCell("id", "42")).toBe("42");
    expect(csvCell("timestamp", "2025-01-01T00:00:00.000000Z")).toBe("2025-01-01T00:00:00.000000Z");
  });
  it("neutralises text and JSON text, and writes null and '' as an empty cell", () => {
    expect(csvCell("text", "-1+2")).toBe("'-1+2");
    expect(csvCell("json", "-1")).toBe("'-1");
    expect(csvCell("text", null)).toBeNull();
    expect(csvCell("text", "")).toBeNull();
    expect(csvCell("boolean", true)).toBe("true");
    expect(csvCell("boolean", false)).toBe("false");
  });
});

describe("csvRows", () => {
  const tricky = ['say "hi", then leave', "a\r\nb\nc\rd", "emoji 🚀 café", '=HYPERLINK("http://x")', "\tTab", ","];

  it("round-trips through an independent parser (RFC 4180 quoting), formulas neutralised", () => {
    const rows = tricky.map((t, i) => [t, -i, `-${i}.500000000000`, JSON.stringify({ k: t }), i % 2 === 0]);
    const text = csvHeader(cols) + csvRows(cols, rows);
    const parsed = parse<Record<string, string>>(text, { columns: true });
    expect(parsed).toHaveLength(tricky.length);
    parsed.forEach((p, i) => {
      const t = tricky[i] ?? "";
      expect(p.text).toBe(neutralise(t));
      expect(p.n).toBe(String(-i));
      expect(p.cost).toBe(`-${i}.500000000000`);
      expect(JSON.parse(p.meta ?? "")).toEqual({ k: t });
      expect(p.ok).toBe(i % 2 === 0 ? "true" : "false");
    });
  });

  it("quotes a bare CR like a LF, and concatenates batches into one file", () => {
    expect(csvRows(cols, [["x\ry", 1, "1", null, true]])).toBe('"x\ry",1,1,,true\n');
    const a = csvRows(cols, [["a", 1, "1", null, true]]);
    const b = csvRows(cols, [["b", 2, "2", null, false]]);
    expect(parse(csvHeader(cols) + a + b, { columns: true })).toHaveLength(2);
    expect(csvRows(cols, [])).toBe("");
  });

  it("ends a capped file with a marker record as wide as the header", () => {
    const marker = csvTruncatedRow(cols, 1000);
    const records: string[][] = parse(marker);
    const record = records[0];
    expect(record).toHaveLength(cols.length);
    expect(record?.[0]).toMatch(/^_truncated: the export stopped at the row limit of 1000/);
  });
});
