"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

/** The signed-in user's projects; switching stores the choice (a cookie the server checks) and reloads. */
export function ProjectSwitcher() {
  const trpc = useTRPC();
  const projects = useQuery(trpc.projects.list.queryOptions());
  const select = useMutation(trpc.account.selectProject.mutationOptions({ onSuccess: () => window.location.reload() }));
  const current = projects.data?.find((p) => p.current);
  return (
    <label className="field project-switcher">
      <span>Project</span>
      <select
        value={current?.id ?? ""}
        disabled={!projects.data || select.isPending || (projects.data.length < 2 && current !== undefined)}
        onChange={(e) => select.mutate({ projectId: e.target.value })}
      >
        {projects.data && !current ? <option value="">choose a project</option> : null}
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
