import { filterParamValue, type FilterInput } from "~/lib/list-filters";
import type { ExportFormat, ExportKind } from "./schemas";

/** `GET /api/export/<kind>` with exactly the filters the table shows. */
export function exportHref(kind: ExportKind, format: ExportFormat, input: FilterInput, extra: Record<string, string> = {}): string {
  const sp = new URLSearchParams({ format });
  for (const [k, v] of Object.entries(input) as [string, FilterInput[keyof FilterInput]][]) if (v !== undefined) sp.set(k, filterParamValue(v));
  for (const [k, v] of Object.entries(extra)) if (v !== "") sp.set(k, v);
  return `/api/export/${kind}?${sp.toString()}`;
}
