import type { SearchParamsLike } from "~/lib/filters";
import { AggregatePage } from "../aggregate-page";
import { PageHeader } from "../page-header";

export default function ModelsPage({ searchParams }: { searchParams: Promise<SearchParamsLike> }) {
  return (
    <>
      <PageHeader title="Models">Cost, volume and latency per provider and model. Click a model to see its calls.</PageHeader>
      <AggregatePage kind="models" searchParams={searchParams} />
    </>
  );
}
