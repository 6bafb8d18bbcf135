// parseRows' hand-rolled row check (fastRowParser) against zod's own parse of the same schema:
// the same rows accepted, the same output (values and key order), for every field kind it takes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fastRowParser, int8, parseRows } from "./query";

const kinds = {
  int8,
  text: z.string(),
  textOrNull: z.string().nullable(),
  flag: z.boolean(),
  side: z.enum(["whole", "outside", "inside"]),
  sideOrNull: z.enum(["outside", "inside"]).nullable(),
  int8OrNull: int8.nullable(),
} as const;
const names = Object.keys(kinds) as (keyof typeof kinds)[];

const anyValue = fc.oneof(
  fc.string(),
  fc.constantFrom("whole", "outside", "inside", "", "0", "12.500000000000"),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.object(),
  fc.array(fc.integer()),
);

/** zod's verdict and output, or "rejected". */
const viaZod = (schema: z.ZodType, row: unknown) => {
  const r = schema.safeParse(row);
  return r.success ? r.data : "rejected";
};
const viaFast = (schema: z.ZodType, row: unknown) => {
  const parse = fastRowParser(schema);
  if (!parse) throw new Error("no fast parser");
  const out = parse(row);
  return typeof out === "symbol" ? "rejected" : out;
};

describe("fast row parsing", () => {
  it("accepts and converts exactly what zod does, field kind by field kind", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...names), { minLength: 1 }),
        fc.array(fc.tuple(fc.string({ maxLength: 3 }), anyValue), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom(...names), anyValue),
        fc.boolean(),
        (fields, extra, values, drop) => {
          const schema = z.object(Object.fromEntries(fields.map((f) => [f, kinds[f]])));
          const row: Record<string, unknown> = { ...Object.fromEntries(extra), ...values };
          if (drop) delete row[fields[0] ?? ""];
          const zod = viaZod(schema, row);
          const fast = viaFast(schema, row);
          expect(fast).toEqual(zod);
          const keys = (v: unknown) => (typeof v === "object" && v !== null ? Object.keys(v) : v);
          expect(keys(fast)).toEqual(keys(zod));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("converts valid rows as zod does (mostly valid values, now and then a wrong one)", () => {
    const valid: Record<(typeof names)[number], fc.Arbitrary<unknown>> = {
      int8: fc.oneof(fc.string(), fc.integer(), fc.bigInt()),
      text: fc.string(),
      textOrNull: fc.option(fc.string(), { nil: null }),
      flag: fc.boolean(),
      side: fc.constantFrom("whole", "outside", "inside"),
      sideOrNull: fc.constantFrom("outside", "inside", null),
      int8OrNull: fc.option(fc.oneof(fc.string(), fc.integer(), fc.bigInt()), { nil: null }),
    };
    const rowOf = (fields: (typeof names)[number][]) =>
      fc.tuple(...fields.map((f) => fc.oneof({ weight: 12, arbitrary: valid[f] }, { weight: 1, arbitrary: anyValue }))).map((vs) => Object.fromEntries(fields.map((f, i) => [f, vs[i]])));
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...names), { minLength: 1 }).chain((fields) => fc.tuple(fc.constant(fields), fc.array(rowOf(fields), { maxLength: 5 }))),
        ([fields, rows]) => {
          const schema = z.object(Object.fromEntries(fields.map((f) => [f, kinds[f]])));
          for (const row of rows) {
            const zod = viaZod(schema, row);
            expect(viaFast(schema, row)).toEqual(zod);
            if (zod !== "rejected") accepted += 1;
          }
          const whole = z.array(schema).safeParse(rows);
          if (whole.success) expect(parseRows(schema, rows)).toEqual(whole.data);
          else expect(() => parseRows(schema, rows)).toThrow(/does not match its row schema/);
        },
      ),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });

  it("rejects what is not a row object", () => {
    const schema = z.object({ a: z.string() });
    for (const v of [null, undefined, "a", 1, [], [["a", "x"]]]) expect(viaFast(schema, v)).toBe(viaZod(schema, v));
  });

  it("leaves other schemas to zod", () => {
    expect(fastRowParser(z.object({ a: z.string().regex(/^\d+$/) }))).toBeNull();
    expect(fastRowParser(z.object({ a: z.number() }))).toBeNull();
    expect(fastRowParser(z.object({ a: z.string() }).passthrough())).toBeNull();
    expect(fastRowParser(z.array(z.string()))).toBeNull();
  });

  it("parseRows gives zod's rows, and zod's message when a row does not match", () => {
    const schema = z.object({ key: z.string(), calls: int8, last: z.string().nullable() });
    const rows = [{ key: "a", calls: "3", last: null, extra: 1 }, { key: "b", calls: 4n, last: "x" }];
    expect(parseRows(schema, rows)).toEqual(z.array(schema).parse(rows));
    expect(() => parseRows(schema, [{ key: "a", calls: {}, last: null }])).toThrow(/row schema at 0\.calls/);
  });
});
