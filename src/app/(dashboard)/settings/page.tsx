import { Onboarding } from "~/features/ingestion/components/onboarding";
import { ApiKeys } from "~/features/settings/components/api-keys";
import { CustomPrices } from "~/features/settings/components/custom-prices";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { PageHeader } from "../page-header";

export default async function SettingsPage() {
  await prefetch((qc) => [qc.prefetchQuery(trpc.keys.list.queryOptions()), qc.prefetchQuery(trpc.prices.list.queryOptions())]);
  return (
    <>
      <PageHeader title="Settings">API keys, custom prices and how to send events to this project.</PageHeader>
      <HydrateClient>
        <div className="stack">
          <ApiKeys />
          <CustomPrices />
          <Onboarding heading="Send events" />
        </div>
      </HydrateClient>
    </>
  );
}
