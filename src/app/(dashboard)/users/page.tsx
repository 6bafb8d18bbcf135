import { Suspense } from "react";
import { UsersView } from "~/features/analytics";
import { requestNow } from "~/trpc/server";
import { FilterBarSkeleton } from "../filter-bar-skeleton";
import { PageHeader } from "../page-header";

export default function Page() {
  return (
    <>
      <PageHeader title="Users">Who spends: every end user by cost, with their costliest feature and model. Click a user for their cost over time, features and sessions.</PageHeader>
      <Suspense fallback={<FilterBarSkeleton />}>
        <Data />
      </Suspense>
    </>
  );
}

async function Data() {
  return <UsersView serverNowMs={await requestNow()} />;
}
