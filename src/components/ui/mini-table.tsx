import type { ReactNode } from "react";

/** A column heading; "#…" marks a numeric (right-aligned) column. */
type Heading = string;

/**
 * A small settings-style table: its headings, an unlabelled actions column last (named for
 * screen readers), and the rows the caller renders.
 */
export function MiniTable({ label, headings, children }: { label: string; headings: readonly Heading[]; children: ReactNode }) {
  return (
    <table className="mini-table" aria-label={label}>
      <thead>
        <tr>
          {headings.map((h) =>
            h.startsWith("#") ? (
              <th key={h} scope="col" className="num">
                {h.slice(1)}
              </th>
            ) : (
              <th key={h} scope="col">
                {h}
              </th>
            ),
          )}
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
