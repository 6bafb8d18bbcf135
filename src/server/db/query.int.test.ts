// queryRows inside and outside readSnapshot, on real PostgreSQL: prepared statements with plans
// made for each call's values inside, unnamed statements outside, the same rows either way.
import { sql } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { z } from "zod";
import { closeTestDb, describeWithDb, testDb } from "~/test/integration";
import { queryRows, readSnapshot } from "./query";

afterAll(closeTestDb);

const setting = z.object({ mode: z.string() });
const prepared = z.object({ n: z.coerce.number() });
// A text of its own, so the count below sees only this test's statement.
const marker = (n: number) => sql`SELECT /* query-int-test */ g AS v, ${"query-int-test"}::text AS tag FROM generate_series(1, ${n}::int) g`;
const values = z.object({ v: z.number(), tag: z.string() });
const countPrepared = sql`SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE '%query-int-test%' AND statement NOT LIKE '%pg_prepared_statements%'`;

// The database's message (drizzle wraps it in "Failed query: …" with the driver's error as cause).
const failure = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: unknown) => (e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : "not an Error"),
  );

describeWithDb("queryRows and readSnapshot", () => {
  it("prepares the snapshot's statements, plans them per call, and reads the same rows as outside", async () => {
    const { db } = testDb();
    const outside = await queryRows(db, values, marker(3));
    expect((await queryRows(db, setting, sql`SELECT current_setting('plan_cache_mode') AS mode`))[0]?.mode).toBe("auto");

    const inside = await readSnapshot(db, async (tx) => {
      const mode = (await queryRows(tx, setting, sql`SELECT current_setting('plan_cache_mode') AS mode`))[0]?.mode;
      const isolation = (await queryRows(tx, setting, sql`SELECT current_setting('transaction_isolation') AS mode`))[0]?.mode;
      const first = await queryRows(tx, values, marker(3));
      const again = await queryRows(tx, values, marker(5)); // same text, other values: the same statement
      const [count] = await queryRows(tx, prepared, countPrepared);
      return { mode, isolation, first, again, count: count?.n };
    });
    expect(inside.mode).toBe("force_custom_plan");
    expect(inside.isolation).toBe("repeatable read");
    expect(inside.count).toBe(1);
    expect(inside.first).toEqual(outside);
    expect(inside.again.map((r) => r.v)).toEqual([1, 2, 3, 4, 5]);

    // The setting was the transaction's: the connection is back to the default afterwards.
    expect((await queryRows(db, setting, sql`SELECT current_setting('plan_cache_mode') AS mode`))[0]?.mode).toBe("auto");
  });

  it("is read only and rolls back on an error", async () => {
    const { db } = testDb();
    expect(await failure(readSnapshot(db, (tx) => queryRows(tx, values, sql`CREATE TEMP TABLE query_int_test (v int)`)))).toMatch(/read-only transaction/);
    expect(await failure(readSnapshot(db, (tx) => queryRows(tx, values, sql`SELECT 1/0 AS v, 'x' AS tag`)))).toMatch(/division by zero/);
    expect(await queryRows(db, values, marker(1))).toEqual([{ v: 1, tag: "query-int-test" }]);
  });
});
