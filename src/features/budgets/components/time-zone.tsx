"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "~/trpc/react";

/** The project's time zone: budget periods and the forecast's month start at local midnight there. */
export function TimeZoneSetting() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const settings = useQuery(trpc.projectSettings.get.queryOptions());
  const [zone, setZone] = useState<string | null>(null);
  const save = useMutation(
    trpc.projectSettings.setTimeZone.mutationOptions({
      onSuccess: () =>
        Promise.all([
          qc.invalidateQueries({ queryKey: trpc.projectSettings.get.queryKey() }),
          qc.invalidateQueries({ queryKey: trpc.budgets.status.queryKey() }),
          qc.invalidateQueries({ queryKey: trpc.budgets.forecast.queryKey() }),
        ]),
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ timeZone: zone ?? settings.data?.timeZone ?? "UTC" });
  };
  return (
    <section className="card" aria-labelledby="tz-title">
      <h2 id="tz-title">Time zone</h2>
      <p className="muted">Days, weeks (from Monday) and months of every budget, and the month of the forecast, start at midnight in this zone.</p>
      <form className="inline-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="tz-input">Project time zone</label>
          <input id="tz-input" value={zone ?? settings.data?.timeZone ?? ""} placeholder="UTC" onChange={(e) => setZone(e.target.value)} aria-invalid={save.isError || undefined} />
        </div>
        <button type="submit" className="btn" disabled={save.isPending || settings.isPending}>Save time zone</button>
      </form>
      {save.isError && <p role="alert" className="error-text">{save.error.message}</p>}
    </section>
  );
}
