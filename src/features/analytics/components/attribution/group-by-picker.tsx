"use client";

import { useState } from "react";
import { BREAKDOWN_DIMENSIONS, METADATA_PREFIX, type BreakdownBy } from "~/lib/list-filters";
import { Options } from "~/components/ui/options";

export { parseBreakdownBy } from "~/lib/list-filters";

const LABELS: Record<string, string> = { feature: "Feature", model: "Model", provider: "Provider", user: "User", session: "Session", tag: "Tag" };
const META = "__metadata_key__"; // not a dimension nor metadata:<key>

/** A dimension, or a metadata key typed by the user (promoted keys are offered first). */
export function GroupByPicker({ value, onChange, promoted = [], label = "Group by" }: { value: BreakdownBy; onChange: (by: BreakdownBy) => void; promoted?: string[]; label?: string }) {
  const isMeta = value.startsWith(METADATA_PREFIX);
  const [key, setKey] = useState(isMeta ? value.slice(METADATA_PREFIX.length) : "");
  const [editing, setEditing] = useState(false);
  const applyKey = (k: string) => {
    const v = k.trim();
    if (v) onChange(`${METADATA_PREFIX}${v}`);
  };
  return (
    <div className="group-by">
      <label className="field">
        <span>{label}</span>
        <select
          aria-label={label}
          value={isMeta ? (promoted.includes(key) ? value : META) : editing ? META : value}
          onChange={(e) => {
            const v = e.target.value;
            if (v === META) setEditing(true);
            else {
              setEditing(false);
              onChange(v as BreakdownBy);
            }
          }}
        >
          <Options values={BREAKDOWN_DIMENSIONS} label={(d) => LABELS[d] ?? d} />
          {promoted.map((k) => (
            <option key={k} value={`${METADATA_PREFIX}${k}`}>
              metadata: {k}
            </option>
          ))}
          <option value={META}>Metadata key…</option>
        </select>
      </label>
      {(editing || (isMeta && !promoted.includes(key))) && (
        <label className="field">
          <span>Metadata key</span>
          <input
            aria-label="Metadata key"
            placeholder="e.g. customer"
            value={key}
            size={12}
            onChange={(e) => setKey(e.target.value)}
            onBlur={() => applyKey(key)}
            onKeyDown={(e) => {
              if (e.key === "Enter") applyKey(key);
            }}
          />
        </label>
      )}
    </div>
  );
}
