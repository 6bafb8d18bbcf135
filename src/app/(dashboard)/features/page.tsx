import type { SearchParamsLike } from "~/lib/filters";
import { AggregatePage } from "../aggregate-page";
import { PageHeader } from "../page-header";

export default function FeaturesPage({ searchParams }: { searchParams: Promise<SearchParamsLike> }) {
  return (
    <>
      <PageHeader title="Features">Cost, volume and latency per product feature. Click a feature to see its calls.</PageHeader>
      <AggregatePage kind="features" searchParams={searchParams} />
    </>
  );
}
