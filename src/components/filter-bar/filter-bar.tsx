"use client";

import type { ReactNode } from "react";
import { activeFilterCount, type DashboardFilters } from "~/lib/filters";
import type { FilterState } from "./use-dashboard-filters";
import { TimeRange } from "./time-range";
import { filterParamValue } from "~/lib/list-filters";
import { TextFilter, UserFilter } from "./user-filter";
import { Options } from "~/components/ui/options";

const NONE = "\u0000none"; // select value for "calls without a feature" (URL: feature=)

function uniqueSorted(values: (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === "string" && v !== ""))].sort((a, b) => a.localeCompare(b));
}

/** What exists in the window, whatever the other filters say (null: calls without a feature). */
export type FilterOptions = { features: (string | null)[]; models: { provider: string; model: string }[] };

export function FilterBar({ state, options, actions }: { state: FilterState; options: FilterOptions | undefined; actions?: ReactNode }) {
  const { filters, input, setFilters } = state;
  const modelItems = options?.models ?? [];
  const hasNoFeature = options?.features.includes(null) ?? false;
  const featureNames = uniqueSorted([...(options?.features ?? []), filters.feature]);
  const modelNames = uniqueSorted([...modelItems.filter((m) => !filters.provider || m.provider === filters.provider).map((m) => m.model), filters.model]);
  const providerNames = uniqueSorted([...modelItems.map((m) => m.provider), filters.provider]);

  const set = (patch: Partial<DashboardFilters>) => {
    const next: DashboardFilters = { ...filters, ...patch };
    for (const k of Object.keys(patch) as (keyof DashboardFilters)[]) if (patch[k] === undefined) delete next[k];
    setFilters(next);
  };

  return (
    <div className="filter-bar" role="search" aria-label="Filters">
      <TimeRange filters={filters} input={input} onChange={(range) => setFilters({ ...filters, ...range })} />
      <label className="field">
        <span>Feature</span>
        <select
          value={filters.feature === undefined ? "" : filters.feature === "" ? NONE : filters.feature}
          onChange={(e) => set({ feature: e.target.value === "" ? undefined : e.target.value === NONE ? "" : e.target.value })}
        >
          <option value="">All features</option>
          {(hasNoFeature || filters.feature === "") && <option value={NONE}>(no feature)</option>}
          <Options values={featureNames} />
        </select>
      </label>
      <ChoiceField label="Provider" all="All providers" value={filters.provider} values={providerNames} onChange={(provider) => set({ provider })} />
      <ChoiceField label="Model" all="All models" value={filters.model} values={modelNames} onChange={(model) => set({ model })} />
      <label className="field">
        <span>Status</span>
        <select value={filters.status ?? ""} onChange={(e) => set({ status: e.target.value === "success" || e.target.value === "error" ? e.target.value : undefined })}>
          <option value="">Any status</option>
          <option value="success">Success</option>
          <option value="error">Error</option>
        </select>
      </label>
      <UserFilter key={filters.userId ?? ""} value={filters.userId} onChange={(userId) => set({ userId })} />
      <TextFilter key={`tag:${filters.tag ?? ""}`} label="Tag" placeholder="tag" value={filters.tag} onChange={(tag) => set({ tag })} />
      <TextFilter
        key={`meta:${filters.metadata ? filterParamValue(filters.metadata) : ""}`}
        label="Metadata"
        placeholder="key=value"
        value={filters.metadata ? filterParamValue(filters.metadata) : undefined}
        onChange={(v) => {
          const at = v?.indexOf("=") ?? -1;
          set({ metadata: v !== undefined && at > 0 ? { key: v.slice(0, at).trim(), value: v.slice(at + 1) } : undefined });
        }}
      />
      {activeFilterCount(filters) > 0 && (
        <button type="button" className="btn btn-ghost" onClick={() => setFilters({ range: filters.range, from: filters.from, to: filters.to })}>
          Clear filters
        </button>
      )}
      {actions && <div className="filter-actions">{actions}</div>}
    </div>
  );
}

/** A select over a list of names, with an "all" choice that clears the filter. */
function ChoiceField(props: { label: string; all: string; value: string | undefined; values: readonly string[]; onChange: (v: string | undefined) => void }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select value={props.value ?? ""} onChange={(e) => props.onChange(e.target.value || undefined)}>
        <option value="">{props.all}</option>
        <Options values={props.values} />
      </select>
    </label>
  );
}
