"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { CopyButton } from "~/components/ui/copy-button";
import { ErrorState } from "~/components/ui/error-state";
import { Skeleton } from "~/components/ui/skeleton";
import { formatTime } from "~/lib/display";
import { useTRPC } from "~/trpc/react";
import { MiniTable } from "~/components/ui/mini-table";

export function ApiKeys() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const keys = useQuery(trpc.keys.list.queryOptions());
  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.keys.list.queryKey() });
  const create = useMutation(
    trpc.keys.create.mutationOptions({
      onSuccess: (res, vars) => {
        setCreated({ key: res.key, name: vars.name });
        setName("");
        return invalidate();
      },
    }),
  );
  const revoke = useMutation(trpc.keys.revoke.mutationOptions({ onSuccess: () => { setConfirming(null); return invalidate(); } }));

  return (
    <section className="card" id="keys" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p className="muted">Keys send events and read this project&apos;s data. Only a hash is stored: a new key is shown once.</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate({ name: name.trim() });
        }}
      >
        <label className="field">
          <span>Key name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. production backend" maxLength={100} required />
        </label>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create key"}
        </button>
      </form>
      {create.isError && <p role="alert" className="error-text">{create.error.message}</p>}
      {created && (
        <div className="callout callout-ok" role="status" data-testid="new-key">
          <p>
            <strong>New key “{created.name}”.</strong> Copy it now — it will not be shown again.
          </p>
          <div className="secret">
            <code data-testid="new-key-value">{created.key}</code>
            <CopyButton text={created.key} />
          </div>
          <button type="button" className="btn btn-ghost btn-small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      {keys.isPending ? (
        <Skeleton height={120} />
      ) : keys.isError ? (
        <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />
      ) : (
        <MiniTable label="API keys" headings={["Name", "Key", "Created (UTC)", "Last used", "Status"]}>
            {keys.data.map((k) => (
              <tr key={k.id} data-key-prefix={k.prefix}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{formatTime(k.createdAt.toISOString(), "yyyy-MM-dd HH:mm")}</td>
                <td>{k.lastUsedAt ? formatTime(k.lastUsedAt.toISOString(), "yyyy-MM-dd HH:mm") : <span className="muted">never</span>}</td>
                <td>{k.revokedAt ? <span className="badge badge-error">revoked</span> : <span className="badge badge-ok">active</span>}</td>
                <td className="num">
                  {!k.revokedAt &&
                    (confirming === k.id ? (
                      <span className="confirm">
                        <button type="button" className="btn btn-danger btn-small" onClick={() => revoke.mutate({ keyId: k.id })} disabled={revoke.isPending}>
                          Confirm revoke
                        </button>
                        <button type="button" className="btn btn-ghost btn-small" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <button type="button" className="btn btn-small" onClick={() => setConfirming(k.id)} aria-label={`Revoke key ${k.name} (${k.prefix})`}>
                        Revoke
                      </button>
                    ))}
                </td>
              </tr>
            ))}
        </MiniTable>
      )}
      {revoke.isError && <p role="alert" className="error-text">{revoke.error.message}</p>}
    </section>
  );
}
