import { AlertsView } from "~/features/budgets";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { PageHeader } from "../page-header";

export default async function AlertsPage() {
  await prefetch((qc) => [
    qc.prefetchQuery(trpc.alerts.list.queryOptions({ limit: 100 })),
    qc.prefetchQuery(trpc.alerts.anomalies.queryOptions()),
    qc.prefetchQuery(trpc.account.me.queryOptions()),
  ]);
  return (
    <>
      <PageHeader title="Alerts">Budget thresholds reached, spend anomalies, and where the notifications went.</PageHeader>
      <HydrateClient>
        <AlertsView />
      </HydrateClient>
    </>
  );
}
