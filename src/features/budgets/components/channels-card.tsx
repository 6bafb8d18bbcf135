"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorState } from "~/components/ui/error-state";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import { MiniTable } from "~/components/ui/mini-table";

type Kind = "webhook" | "slack" | "email";

/** Where alerts are sent (managers only: targets can be secrets). */
export function ChannelsCard() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useQuery(trpc.account.me.queryOptions());
  const manager = me.data !== undefined && me.data.role !== "viewer";
  const channels = useQuery({ ...trpc.channels.list.queryOptions(), enabled: manager });
  const [kind, setKind] = useState<Kind>("webhook");
  const [name, setName] = useState("");
  const [target, setTarget] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.channels.list.queryKey() });
  const create = useMutation(trpc.channels.create.mutationOptions({ onSuccess: (c) => { setSecret(c.secret); setName(""); setTarget(""); return invalidate(); } }));
  const remove = useMutation(trpc.channels.delete.mutationOptions({ onSuccess: invalidate }));
  if (!manager) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (kind === "email") create.mutate({ kind, name, smtpUrl: target, from, to: to.split(",").map((s) => s.trim()).filter(Boolean) });
    else create.mutate({ kind, name, url: target });
  };
  return (
    <section className="card" aria-labelledby="channels-title">
      <h2 id="channels-title">Notification channels</h2>
      <form className="budget-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="channel-kind">Kind</label>
          <select id="channel-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="webhook">Webhook (signed JSON)</option>
            <option value="slack">Slack incoming webhook</option>
            <option value="email">E-mail (SMTP)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="channel-name">Channel name</label>
          <input id="channel-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="channel-target">{kind === "email" ? "SMTP server URL" : "URL"}</label>
          <input id="channel-target" value={target} placeholder={kind === "email" ? "smtp://user:password@mail.example.com:587" : "https://hooks.example.com/acp"} onChange={(e) => setTarget(e.target.value)} />
        </div>
        {kind === "email" && (
          <>
            <div className="field">
              <label htmlFor="channel-from">From</label>
              <input id="channel-from" value={from} onChange={(e) => setFrom(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="channel-to">To (comma-separated)</label>
              <input id="channel-to" value={to} onChange={(e) => setTo(e.target.value)} />
            </div>
          </>
        )}
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>Add channel</button>
      </form>
      {create.isError && <p role="alert" className="error-text">{create.error.message}</p>}
      {secret && (
        <p className="muted">
          Signing secret (shown once): <code data-testid="channel-secret">{secret}</code>
        </p>
      )}
      {channels.isPending ? (
        <Skeleton height={40} />
      ) : channels.isError ? (
        <ErrorState error={channels.error} onRetry={() => void channels.refetch()} />
      ) : channels.data.length === 0 ? (
        <p className="muted">No channel: alerts are only listed here.</p>
      ) : (
        <MiniTable label="Notification channels" headings={["Name", "Kind", "Target"]}>
            {channels.data.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.kind}</td>
                <td><code>{c.target}</code></td>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => remove.mutate({ id: c.id })} aria-label={`Delete channel ${c.name}`}>Delete</button>
                </td>
              </tr>
            ))}
        </MiniTable>
      )}
    </section>
  );
}
