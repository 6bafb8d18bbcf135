// Query options of the attribution views (server prefetch and browser hooks build the same keys).
import type { FilterInput } from "~/lib/filters";
import type { BreakdownBy } from "~/lib/list-filters";
import { INFINITE_LIST as list, type Trpc } from "~/trpc/list-options";
import type { UserOrder } from "../../attribution-schemas";

export const ATTRIBUTION_PAGE = 100;

export const usersQuery = (t: Trpc, input: FilterInput, orderBy: UserOrder) =>
  t.users.list.infiniteQueryOptions({ ...input, orderBy, limit: ATTRIBUTION_PAGE }, list);
export const sessionsQuery = (t: Trpc, input: FilterInput, limit = ATTRIBUTION_PAGE) =>
  t.sessions.list.infiniteQueryOptions({ ...input, limit }, list);
export const breakdownQuery = (t: Trpc, input: FilterInput, by: BreakdownBy, limit = ATTRIBUTION_PAGE) =>
  t.breakdown.list.infiniteQueryOptions({ ...input, by, limit }, list);

/** `?order=` on the Users page. */
export function parseUserOrder(v: string | null | undefined): UserOrder {
  return v === "calls" || v === "lastSeen" ? v : "cost";
}
