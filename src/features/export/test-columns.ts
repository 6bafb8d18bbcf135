// Test fixture (not imported by the app): a column from its "name:kind" spelling.
import type { Column, ColumnKind } from "./columns";

export function testColumn(spec: `${string}:${ColumnKind}`): Column {
  const at = spec.lastIndexOf(":");
  return { name: spec.slice(0, at), kind: spec.slice(at + 1) as ColumnKind };
}
