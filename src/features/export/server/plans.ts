import "server-only";
import {
  aggregateItems,
  aggregatesQuery,
  attributionQuery,
  attributionRowSchema,
  groupSources,
  sessionRowSchema,
  sessionsQuery,
  toBreakdownItem,
  toSessionItem,
  userItems,
  type AggregateItem,
  type AggregateRow,
  type GroupSource,
} from "~/features/analytics/server";
import { promptRowSchema, promptsQuery, toPromptItem } from "~/features/prompts/server";
import { COLUMNS, EVENT_COLUMNS } from "../columns";
import type { ExportRequest } from "../schemas";
import type { CursorPlan, Row } from "./cursor-source";
import { eventsExportQuery } from "./events-sql";
import { focusPlan } from "./focus";
import type { Snapshot } from "./snapshot";

// Each kind's rows come from the same query builders as its tRPC list (one definition of the
// window and of every figure); only the paging is replaced by a cursor capped at limit + 1.

const pick = (names: readonly string[]) => (item: Record<string, unknown>) => names.map((n) => item[n]);

/** `source`: the breakdown's group source, resolved beforehand (it depends on promoted keys). */
export function cursorPlan(snap: Snapshot, projectId: string, request: ExportRequest, limit: number, source?: GroupSource): CursorPlan {
  const { kind, filters } = request;
  const cap = limit + 1;
  if (kind === "users") {
    const values = pick(COLUMNS.users.map((c) => c.name));
    return {
      query: attributionQuery(projectId, filters, groupSources.user, { order: "cost", after: null, limit: cap, withoutNone: true }),
      toValues: async (rows) => (await userItems(snap.db, projectId, filters, rows.map((r) => attributionRowSchema.parse(r)))).map(values),
    };
  }
  if (kind === "sessions") {
    const values = pick(COLUMNS.sessions.map((c) => c.name));
    return { query: sessionsQuery(projectId, filters, null, cap), toValues: (rows) => rows.map((r) => values(toSessionItem(sessionRowSchema.parse(r)))) };
  }
  if (kind === "breakdown") {
    if (!source) throw new Error("breakdown export without its group source");
    const values = pick(COLUMNS.breakdown.map((c) => c.name));
    return {
      query: attributionQuery(projectId, filters, source, { order: "cost", after: null, limit: cap }),
      toValues: (rows) => rows.map((r) => values(toBreakdownItem(attributionRowSchema.parse(r)))),
    };
  }
  if (kind === "events") {
    const values = pick(EVENT_COLUMNS.map((c) => c.name));
    return { query: eventsExportQuery(projectId, filters, cap, "values"), toValues: (rows) => rows.map(values) };
  }
  if (kind === "prompts") {
    const values = pick(COLUMNS.prompts.map((c) => c.name));
    return {
      query: promptsQuery(projectId, { ...filters, search: request.search }, { after: null, limit: cap, previewChars: null }),
      toValues: (rows) =>
        rows.map((r) => {
          const { preview, ...item } = toPromptItem(promptRowSchema.parse(r));
          return values({ ...item, text: preview });
        }),
    };
  }
  if (kind === "focus") return focusPlan(snap, projectId, filters, cap);
  const values = pick(COLUMNS[kind].map((c) => c.name));
  return {
    query: aggregatesQuery(projectId, kind, filters, null, cap),
    // p95 per group: one histogram query per batch, on the same snapshot.
    toValues: async (rows: Row[]) => {
      const items: AggregateItem[] = await aggregateItems(snap.db, projectId, kind, filters, rows as AggregateRow[]);
      return items.map((item) => values(item));
    },
  };
}
