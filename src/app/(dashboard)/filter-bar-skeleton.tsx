import { Skeleton } from "~/components/ui/skeleton";

/** The filter bar's footprint while the page streams in. */
export function FilterBarSkeleton() {
  return (
    <div className="filter-bar" aria-hidden="true">
      {[150, 150, 130, 150, 110, 120].map((w, i) => (
        <div className="field" key={i}>
          <Skeleton width={70} height={10} />
          <Skeleton width={w} height={32} />
        </div>
      ))}
    </div>
  );
}
