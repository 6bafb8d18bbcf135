"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { parseFilters, toFilterInput, toSearchParams, type DashboardFilters, type FilterInput } from "~/lib/filters";

export type FilterState = {
  filters: DashboardFilters;
  input: FilterInput;
  /** Extra page-specific URL params (e.g. chart grouping, prompt search). */
  params: URLSearchParams;
  setFilters: (next: DashboardFilters, extra?: Record<string, string | undefined>) => void;
  setParam: (key: string, value: string | undefined, options?: { replace?: boolean }) => void;
};

const URL_CHANGE = "acp:url-change";
const notifyUrlChange = () => window.dispatchEvent(new Event(URL_CHANGE));

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(URL_CHANGE, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(URL_CHANGE, onChange);
  };
}

/**
 * The address bar's query string, read from the browser itself. useSearchParams() alone lagged:
 * Next applies a Back navigation inside a transition, and when the first of two quick Backs was
 * still waiting for data the second one's URL never reached the filters (the Status select kept
 * "error" on a URL without it). An external store is read synchronously on every change, so the
 * last URL always wins. Next's own navigations (links) update the URL after their commit: the
 * effect on useSearchParams re-reads it then.
 */
function useLocationSearch(): string {
  const searchParams = useSearchParams();
  const fromNext = searchParams.toString();
  const search = useSyncExternalStore(subscribe, () => window.location.search, () => (fromNext ? `?${fromNext}` : ""));
  useEffect(() => {
    notifyUrlChange();
  }, [fromNext]);
  return search;
}

/**
 * Filters live in the URL (shareable, back/forward work). Changes go through the History API,
 * which Next's router observes, so a filter change re-queries in the browser without a server
 * round trip. `serverNowMs` anchors relative ranges to the instant the server prefetched with.
 */
export function useDashboardFilters(serverNowMs: number, pageParams: readonly string[] = []): FilterState {
  const search = useLocationSearch();
  const pathname = usePathname();
  const [anchor, setAnchor] = useState(serverNowMs);
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const filters = useMemo(() => parseFilters(params), [params]);
  const input = useMemo(() => toFilterInput(filters, anchor), [filters, anchor]);

  const push = useCallback(
    (sp: URLSearchParams, replace: boolean) => {
      const qs = sp.toString();
      const url = qs ? `${pathname}?${qs}` : pathname;
      if (replace) window.history.replaceState(null, "", url);
      else window.history.pushState(null, "", url);
      notifyUrlChange();
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
