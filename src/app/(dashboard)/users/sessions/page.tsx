import { Suspense } from "react";
import { SessionsView } from "~/features/analytics";
import { requestNow } from "~/trpc/server";
import { FilterBarSkeleton } from "../../filter-bar-skeleton";
import { PageHeader } from "../../page-header";

export default function Page() {
  return (
    <>
      <PageHeader title="Sessions">Conversations by cost. Prompt growth compares the input tokens of the first and the last call: runaway conversations stand out.</PageHeader>
      <Suspense fallback={<FilterBarSkeleton />}>
        <Data />
      </Suspense>
    </>
  );
}

async function Data() {
  return <SessionsView serverNowMs={await requestNow()} />;
}
