"use client";

import { useState } from "react";
import { PRESETS, type DashboardFilters, type FilterInput, type RangeId } from "~/lib/filters";
import { fromDateTimeLocal, toDateTimeLocal } from "~/lib/display";

type RangeChange = Pick<DashboardFilters, "range" | "from" | "to">;

/** Preset windows, or a custom UTC range applied with a button (half-typed dates never query). */
export function TimeRange({ filters, input, onChange }: { filters: DashboardFilters; input: FilterInput; onChange: (r: RangeChange) => void }) {
  const [custom, setCustom] = useState(filters.range === "custom");
  const [from, setFrom] = useState(toDateTimeLocal(input.from));
  const [to, setTo] = useState(toDateTimeLocal(input.to));
  const fromIso = fromDateTimeLocal(from);
  const toIso = fromDateTimeLocal(to);
  const valid = fromIso !== null && toIso !== null && fromIso < toIso;
  const selectValue: RangeId = custom ? "custom" : filters.range;
  return (
    <div className="time-range">
      <label className="field">
        <span>Time range</span>
        <select
          value={selectValue}
          onChange={(e) => {
            const v = e.target.value;
            if (v === "custom") {
              setCustom(true);
              setFrom(toDateTimeLocal(input.from));
              setTo(toDateTimeLocal(input.to));
              return;
            }
            const preset = PRESETS.find((p) => p.id === v);
            if (preset) {
              setCustom(false);
              onChange({ range: preset.id, from: undefined, to: undefined });
            }
          }}
        >
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom range…</option>
        </select>
      </label>
      {custom && (
        <form
          className="custom-range"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) onChange({ range: "custom", from: fromIso, to: toIso });
          }}
        >
          <label className="field">
            <span>From (UTC)</span>
            <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
          </label>
          <label className="field">
            <span>To (UTC)</span>
            <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required aria-invalid={!valid} />
          </label>
          <button type="submit" className="btn" disabled={!valid}>
            Apply
          </button>
        </form>
      )}
    </div>
  );
}
