import { Suspense } from "react";
import { BreakdownView } from "~/features/analytics";
import { requestNow } from "~/trpc/server";
import { FilterBarSkeleton } from "../filter-bar-skeleton";
import { PageHeader } from "../page-header";

export default function Page() {
  return (
    <>
      <PageHeader title="Breakdown">Cost by any dimension — feature, model, provider, user, session, tag — or by any metadata key such as customer or plan.</PageHeader>
      <Suspense fallback={<FilterBarSkeleton />}>
        <Data />
      </Suspense>
    </>
  );
}

async function Data() {
  return <BreakdownView serverNowMs={await requestNow()} />;
}
