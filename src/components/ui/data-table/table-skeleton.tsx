import { Skeleton } from "../skeleton";

/** The table's own frame with placeholder rows: the same height as the loaded table. */
export function TableSkeleton({ columns, rows = 14, label }: { columns: string[]; rows?: number; label: string }) {
  const grid = { gridTemplateColumns: `repeat(${columns.length}, minmax(0, 1fr))` };
  return (
    <div className="vtable" aria-busy="true" aria-label={`${label} (loading)`} role="table">
      <div role="rowgroup" className="vtable-head">
        <div role="row" className="vtable-row" style={grid}>
          {columns.map((c) => (
            <div role="columnheader" className="cell" key={c}>
              {c}
            </div>
          ))}
        </div>
      </div>
      <div role="rowgroup" className="vtable-body" style={{ height: "calc(100vh - 260px)" }}>
        {Array.from({ length: rows }, (_, i) => (
          <div role="row" className="vtable-row static" style={grid} key={i}>
            {columns.map((c) => (
              <div role="cell" className="cell" key={c}>
                <Skeleton width={`${50 + ((i * 7 + c.length * 13) % 45)}%`} />
              </div>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
