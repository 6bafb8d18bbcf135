import { Suspense, type ComponentType, type ReactNode } from "react";
import { getParam, parseFilters, toFilterInput, type FilterInput, type SearchParamsLike } from "~/lib/filters";
import { requestNow } from "~/trpc/server";
import { FilterBarSkeleton } from "./filter-bar-skeleton";
import { PageHeader } from "./page-header";

/** A dashboard page: its header, then its data streamed in behind a skeleton of the same shape. */
export function FilteredPage(props: { title: string; intro: ReactNode; fallback?: ReactNode; children: ReactNode }) {
  return (
    <>
      <PageHeader title={props.title}>{props.intro}</PageHeader>
      <Suspense fallback={props.fallback ?? <FilterBarSkeleton />}>{props.children}</Suspense>
    </>
  );
}

/** What a page's data reads from its request: the clock, the filters and any other URL parameter. */
export async function readPageFilters(
  searchParams: Promise<SearchParamsLike>,
): Promise<{ now: number; input: FilterInput; param: (name: string) => string | undefined }> {
  const sp = await searchParams;
  const now = await requestNow();
  return { now, input: toFilterInput(parseFilters(sp), now), param: (name) => getParam(sp, name) };
}

/** A page whose client view reads its own filters from the URL and fetches on the client. */
export function clientViewPage(title: string, intro: string, View: ComponentType<{ serverNowMs: number }>) {
  async function Data() {
    return <View serverNowMs={await requestNow()} />;
  }
  return function Page() {
    return (
      <FilteredPage title={title} intro={intro}>
        <Data />
      </FilteredPage>
    );
  };
}
