// The lists' hot row schemas take parseRows' fast path (src/server/db/fast-rows.test.ts holds it
// equal to zod's parse): a field kind it does not know would silently send them back through zod.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fastRowParser } from "~/server/db/query";
import { attributionRowSchema } from "./attribution-sql";
import { metricsRowSchema } from "./usage-sql";

describe("list row schemas", () => {
  it("metric and attribution rows (and a users page's totals rows) are checked without zod's per-field parse", () => {
    expect(fastRowParser(metricsRowSchema)).not.toBeNull();
    expect(fastRowParser(attributionRowSchema)).not.toBeNull();
    expect(fastRowParser(attributionRowSchema.extend({ side: z.enum(["whole", "outside", "inside"]) }))).not.toBeNull();
  });
});
