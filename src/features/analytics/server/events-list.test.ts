import { describe, expect, it } from "vitest";
import { EVENT_COLUMNS } from "~/lib/event-columns";
import { eventFieldSql } from "./event-fields-sql";
import { EVENT_LIST_FIELDS, eventItemSchema } from "./events-list";

describe("the events list and the event column table", () => {
  it("the list's row schema has exactly the table's fields (but the full prompt text) plus the row id", () => {
    expect(Object.keys(eventItemSchema.shape).sort()).toEqual([...EVENT_LIST_FIELDS, "id"].sort());
    expect(EVENT_LIST_FIELDS).toEqual(EVENT_COLUMNS.map((c) => c.name).filter((n) => n !== "prompt"));
  });

  it("every column of the table has its SQL", () => {
    for (const c of EVENT_COLUMNS) expect(() => eventFieldSql(c.name)).not.toThrow();
    expect(() => eventFieldSql("nope")).toThrow(/no SQL for event column nope/);
  });
});
