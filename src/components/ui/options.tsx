import type { ReactNode } from "react";

/** One `<option>` per value, labelled with the value unless `label` says otherwise. */
export function Options<T extends string>({ values, label }: { values: readonly T[]; label?: (value: T) => ReactNode }) {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v}>
          {label ? label(v) : v}
        </option>
      ))}
    </>
  );
}
