"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

/** One project until accounts exist: the select is there so the layout does not change later. */
export function ProjectSwitcher() {
  const trpc = useTRPC();
  const projects = useQuery(trpc.projects.list.queryOptions());
  const current = projects.data?.find((p) => p.current);
  return (
    <label className="field project-switcher">
      <span>Project</span>
      <select value={current?.id ?? ""} disabled={!projects.data || projects.data.length < 2} onChange={() => undefined} title="More projects arrive with accounts">
        {projects.data ? (
          projects.data.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))
        ) : (
          <option value="">{projects.isError ? "unavailable" : "loading…"}</option>
        )}
      </select>
    </label>
  );
}
