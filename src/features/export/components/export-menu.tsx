"use client";

import type { FilterInput } from "~/lib/list-filters";
import { exportHref } from "../links";
import type { ExportFormat, ExportKind } from "../schemas";

const FORMATS: { id: ExportFormat; label: string }[] = [
  { id: "csv", label: "CSV" },
  { id: "json", label: "JSON" },
  { id: "ndjson", label: "NDJSON" },
];

/**
 * Plain links with `download`: the browser streams the export straight to disk and shows its
 * own progress; the links carry exactly the filters of the table beside them.
 */
export function ExportMenu({ kind, input, extra = {} }: { kind: ExportKind; input: FilterInput; extra?: Record<string, string> }) {
  return (
    <details className="menu">
      <summary className="btn" aria-label={`Export ${kind}`}>
        Export
      </summary>
      <ul className="menu-list">
        {FORMATS.map((f) => (
          <li key={f.id}>
            <a href={exportHref(kind, f.id, input, extra)} download data-format={f.id}>
              {f.label}
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
