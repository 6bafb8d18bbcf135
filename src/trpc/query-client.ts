import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";
import { transformer } from "~/lib/transformer";

// One factory for the server (a fresh client per request) and the browser (one for the tab):
// the same defaults on both sides keep hydrated data fresh instead of refetching it at once.
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Dashboards tolerate 30 s old figures; the user can always refresh.
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: 1,
      },
      dehydrate: {
        serializeData: transformer.serialize,
        // Pages await their prefetches: only settled, successful queries travel to the browser.
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query),
      },
      hydrate: { deserializeData: transformer.deserialize },
    },
  });
}
