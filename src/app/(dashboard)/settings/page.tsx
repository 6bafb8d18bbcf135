import { Onboarding } from "~/features/ingestion";
import { ApiKeys, CustomPrices } from "~/features/settings";
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
