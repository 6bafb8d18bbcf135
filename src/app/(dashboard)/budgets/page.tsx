import { BudgetsView } from "~/features/budgets";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { PageHeader } from "../page-header";

export default async function BudgetsPage() {
  await prefetch((qc) => [
    qc.prefetchQuery(trpc.budgets.list.queryOptions()),
    qc.prefetchQuery(trpc.budgets.status.queryOptions()),
    qc.prefetchQuery(trpc.projectSettings.get.queryOptions()),
  ]);
  return (
    <>
      <PageHeader title="Budgets">Spend limits per period with alerts at their thresholds, and where each one is heading.</PageHeader>
      <HydrateClient>
        <BudgetsView />
      </HydrateClient>
    </>
  );
}
