"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorState } from "~/components/ui/error-state";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import { ChannelsCard } from "./channels-card";
import { MiniTable } from "~/components/ui/mini-table";

const usd = (s: string) => `$${Number(s).toFixed(2)}`;
const when = (iso: string) => new Date(iso).toLocaleString();

function Deliveries({ alertId, kind = "budget" }: { alertId: string; kind?: "budget" | "anomaly" }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const deliveries = useQuery(trpc.alerts.deliveries.queryOptions({ id: alertId, kind }));
  const redeliver = useMutation(trpc.alerts.redeliver.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.alerts.deliveries.queryKey({ id: alertId, kind }) }) }));
  if (deliveries.isPending) return <Skeleton height={40} />;
  if (deliveries.isError) return <ErrorState error={deliveries.error} onRetry={() => void deliveries.refetch()} />;
  if (deliveries.data.length === 0) return <p className="muted small">Not sent: no channel was configured when this alert was raised, or it was muted.</p>;
  return (
    <MiniTable label={`Deliveries of alert ${alertId}`} headings={["Channel", "Status", "Attempts (status codes)"]}>
        {deliveries.data.map((d) => (
          <tr key={d.id}>
            <td>{d.channelName} <span className="muted">({d.kind})</span></td>
            <td>{d.status}{d.lastError ? ` — ${d.lastError}` : ""}</td>
            <td>{d.log.map((l) => l.statusCode ?? "—").join(", ") || "none yet"}</td>
            <td>
              <button type="button" className="btn btn-small" onClick={() => redeliver.mutate({ id: d.id })} aria-label={`Redeliver to ${d.channelName}`}>Redeliver</button>
            </td>
          </tr>
        ))}
    </MiniTable>
  );
}

export function AlertsView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const alerts = useQuery(trpc.alerts.list.queryOptions({ limit: 100 }));
  const anomalies = useQuery(trpc.alerts.anomalies.queryOptions());
  const [open, setOpen] = useState<string | null>(null);
  const [openAnomaly, setOpenAnomaly] = useState<string | null>(null);
  const muteAnomalies = useMutation(trpc.alerts.muteAnomalies.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.alerts.anomalies.queryKey() }) }));
  const mute = useMutation(trpc.budgets.mute.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.alerts.list.queryKey() }) }));
  const ack = useMutation(
    trpc.alerts.acknowledge.mutationOptions({
      onSuccess: () =>
        Promise.all([
          qc.invalidateQueries({ queryKey: trpc.alerts.list.queryKey() }),
          qc.invalidateQueries({ queryKey: trpc.alerts.anomalies.queryKey() }),
          qc.invalidateQueries({ queryKey: trpc.alerts.unacknowledged.queryKey() }),
        ]),
    }),
  );
  return (
    <div className="stack">
      <section className="card" aria-labelledby="alerts-title">
        <h2 id="alerts-title">Budget alerts</h2>
        {alerts.isPending ? (
          <Skeleton height={120} />
        ) : alerts.isError ? (
          <ErrorState error={alerts.error} onRetry={() => void alerts.refetch()} />
        ) : alerts.data.items.length === 0 ? (
          <p className="muted">No alert yet: one is raised the first time a budget reaches each of its thresholds in a period.</p>
        ) : (
          <ul className="alert-list" aria-label="Budget alerts">
            {alerts.data.items.map((a) => (
              <li key={a.id} className="alert-item" data-testid="alert-item">
                <div className="budget-head">
                  <strong>{a.budgetName}</strong>
                  <span>
                    reached {a.threshold}%{a.subject ? ` for ${a.subject}` : ""}: {usd(a.spentUsd)} of {usd(a.limitUsd)}
                  </span>
                  <span className="muted small">{when(a.createdAt)}</span>
                  {a.acknowledgedAt ? (
                    <span className="muted small">acknowledged by {a.acknowledgedBy}</span>
                  ) : (
                    <button type="button" className="btn btn-small" onClick={() => ack.mutate({ id: a.id })} aria-label={`Acknowledge alert ${a.budgetName} ${a.threshold}%`}>Acknowledge</button>
                  )}
                  {a.budgetMutedUntil ? (
                    <button type="button" className="btn btn-small" onClick={() => mute.mutate({ id: a.budgetId, hours: 0 })} aria-label={`Unmute budget ${a.budgetName}`}>
                      Muted until {when(a.budgetMutedUntil)} · unmute
                    </button>
                  ) : (
                    <button type="button" className="btn btn-small" onClick={() => mute.mutate({ id: a.budgetId, hours: 24 })} aria-label={`Mute budget ${a.budgetName} for 24 hours`}>
                      Mute 24 h
                    </button>
                  )}
                  <button type="button" className="btn btn-ghost btn-small" aria-expanded={open === a.id} onClick={() => setOpen(open === a.id ? null : a.id)}>Deliveries</button>
                </div>
                {open === a.id && <Deliveries alertId={a.id} />}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="anomalies-title">
        <h2 id="anomalies-title">Anomalies</h2>
        {anomalies.isPending ? (
          <Skeleton height={60} />
        ) : anomalies.isError ? (
          <ErrorState error={anomalies.error} onRetry={() => void anomalies.refetch()} />
        ) : anomalies.data.length === 0 ? (
          <p className="muted">No spike against the usual hour of the week, and no model without a price.</p>
        ) : (
          <ul className="alert-list" aria-label="Anomalies">
            {anomalies.data.map((a) => (
              <li key={a.id} className="alert-item" data-testid="anomaly-item">
                <div className="budget-head">
                  {a.kind === "unpriced_model" ? (
                    <span>First calls of <code>{a.key}</code>, a model without a price: add a custom price in Settings.</span>
                  ) : (
                    <span>
                      {a.dim} <code>{a.key || "(none)"}</code> spent {usd(a.costUsd)} in the hour from {a.hour ? when(a.hour) : "?"}, usually {usd(a.baselineUsd ?? "0")}
                      {typeof a.drivers.model === "string" ? ` · top model ${a.drivers.model}` : ""}
                      {typeof a.drivers.userId === "string" ? ` · top user ${a.drivers.userId}` : ""}
                      {typeof a.drivers.promptId === "string" ? ` · top prompt #${a.drivers.promptId}` : ""}
                    </span>
                  )}
                  <span className="muted small">{when(a.createdAt)}</span>
                  {a.acknowledgedAt ? (
                    <span className="muted small">acknowledged by {a.acknowledgedBy ?? "someone"}</span>
                  ) : (
                    <button type="button" className="btn btn-small" onClick={() => ack.mutate({ id: a.id, kind: "anomaly" })} aria-label={`Acknowledge anomaly of ${a.dim} ${a.key}`}>Acknowledge</button>
                  )}
                  {a.mutedUntil ? (
                    <button type="button" className="btn btn-small" onClick={() => muteAnomalies.mutate({ dim: a.dim, key: a.key, hours: 0 })} aria-label={`Unmute anomalies of ${a.dim} ${a.key}`}>
                      Muted until {when(a.mutedUntil)} · unmute
                    </button>
                  ) : (
                    <button type="button" className="btn btn-small" onClick={() => muteAnomalies.mutate({ dim: a.dim, key: a.key, hours: 24 })} aria-label={`Mute anomalies of ${a.dim} ${a.key} for 24 hours`}>
                      Mute 24 h
                    </button>
                  )}
                  <button type="button" className="btn btn-ghost btn-small" aria-expanded={openAnomaly === a.id} onClick={() => setOpenAnomaly(openAnomaly === a.id ? null : a.id)}>Deliveries</button>
                </div>
                {openAnomaly === a.id && <Deliveries alertId={a.id} kind="anomaly" />}
              </li>
            ))}
          </ul>
        )}
      </section>
      <ChannelsCard />
    </div>
  );
}
