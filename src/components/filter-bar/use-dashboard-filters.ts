"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useCallback, useMemo, useState } from "react";
import { parseFilters, toFilterInput, toSearchParams, type DashboardFilters, type FilterInput } from "~/lib/filters";

export type FilterState = {
  filters: DashboardFilters;
  input: FilterInput;
  /** Extra page-specific URL params (e.g. chart grouping, prompt search). */
  params: URLSearchParams;
  setFilters: (next: DashboardFilters, extra?: Record<string, string | undefined>) => void;
  setParam: (key: string, value: string | undefined, options?: { replace?: boolean }) => void;
};

/**
 * Filters live in the URL (shareable, back/forward work). Changes go through the History API,
 * which Next's router observes, so a filter change re-queries in the browser without a server
 * round trip. `serverNowMs` anchors relative ranges to the instant the server prefetched with.
 */
export function useDashboardFilters(serverNowMs: number, pageParams: readonly string[] = []): FilterState {
  const searchParams = useSearchParams();
  const pathname = usePathname();
  const [anchor, setAnchor] = useState(serverNowMs);
  const filters = useMemo(() => parseFilters(new URLSearchParams(searchParams.toString())), [searchParams]);
  const input = useMemo(() => toFilterInput(filters, anchor), [filters, anchor]);
  const params = useMemo(() => new URLSearchParams(searchParams.toString()), [searchParams]);

  const push = useCallback(
    (sp: URLSearchParams, replace: boolean) => {
      const qs = sp.toString();
      const url = qs ? `${pathname}?${qs}` : pathname;
      if (replace) window.history.replaceState(null, "", url);
      else window.history.pushState(null, "", url);
    },
    [pathname],
  );

  const setFilters = useCallback(
    (next: DashboardFilters, extra: Record<string, string | undefined> = {}) => {
      // A new filter re-anchors "last N days" to now (an event handler may read the clock).
      setAnchor(Date.now());
      const keep: Record<string, string | undefined> = {};
      for (const k of pageParams) keep[k] = params.get(k) ?? undefined;
      push(toSearchParams(next, { ...keep, ...extra }), false);
    },
    [pageParams, params, push],
  );

  const setParam = useCallback(
    (key: string, value: string | undefined, options: { replace?: boolean } = {}) => {
      const sp = new URLSearchParams(params.toString());
      if (value === undefined || value === "") sp.delete(key);
      else sp.set(key, value);
      push(sp, options.replace ?? false);
    },
    [params, push],
  );

  return { filters, input, params, setFilters, setParam };
}
