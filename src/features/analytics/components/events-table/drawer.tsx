"use client";

import { skipToken, useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Money } from "~/components/ui/money";
import { Skeleton } from "~/components/ui/skeleton";
import type { EventItem } from "~/features/analytics/server/events-list";
import { useTRPC } from "~/trpc/react";
import { formatLatency, formatTime, formatTokens } from "~/lib/display";
import { Receipt } from "./receipt";

/** Side drawer (a modal dialog: focus is trapped, Esc closes) with one call's details and prompt. */
export function EventDrawer({ event, onClose }: { event: EventItem | null; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (event && !d.open) d.showModal();
    if (!event && d.open) d.close();
  }, [event]);
  return (
    <dialog ref={ref} className="drawer" aria-labelledby="event-drawer-title" onClose={onClose}>
      {event && <EventDetails event={event} onClose={onClose} />}
    </dialog>
  );
}

function EventDetails({ event, onClose }: { event: EventItem; onClose: () => void }) {
  const trpc = useTRPC();
  const prompt = useQuery(trpc.prompts.text.queryOptions(event.promptId ? { promptId: event.promptId } : skipToken));
  const fields: [string, React.ReactNode][] = [
    ["Time (UTC)", formatTime(event.timestamp, "yyyy-MM-dd HH:mm:ss.SSS")],
    ["Event id", <code key="id">{event.eventId}</code>],
    ["Feature", event.feature ?? "(none)"],
    ["Provider / model", `${event.provider} / ${event.model}`],
    ["Status", event.status],
    ["User", event.userId ?? "—"],
    ["Session", event.sessionId ?? "—"],
    ["Cost", <Money key="cost" value={event.costUsd} unpriced={event.costSource === "unpriced"} />],
    ["Cost source", event.costSource],
    ["Latency", formatLatency(event.latencyMs)],
    ["Input tokens", formatTokens(event.inputTokens)],
    ["Cached input", formatTokens(event.cachedInputTokens)],
    ["Cache writes", formatTokens(event.cacheWriteTokens)],
    ["Output tokens", formatTokens(event.outputTokens)],
    ["Reasoning", formatTokens(event.reasoningTokens)],
  ];
  return (
    <div className="drawer-body">
      <header className="drawer-head">
        <h2 id="event-drawer-title">Event details</h2>
        <button type="button" className="btn btn-ghost" onClick={onClose} autoFocus>
          Close
        </button>
      </header>
      <dl className="kv">
        {fields.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <section>
        <h3>Receipt</h3>
        <Receipt eventId={event.eventId} />
      </section>
      {event.errorMessage && (
        <section>
          <h3>Error</h3>
          <pre className="code-block">{event.errorMessage}</pre>
        </section>
      )}
      <section>
        <h3>Prompt</h3>
        {!event.promptId ? (
          <p className="muted">This call was sent without a prompt.</p>
        ) : prompt.isPending ? (
          <Skeleton height={80} />
        ) : prompt.isError ? (
          <p role="alert">Could not load the prompt: {prompt.error.message}</p>
        ) : (
          <>
            <pre className="code-block prompt-text" data-testid="prompt-text">{prompt.data.text}</pre>
            <p className="muted small">
              {formatTokens(prompt.data.length)} characters{prompt.data.truncated ? " (stored truncated)" : ""} · seen{" "}
              {formatTokens(prompt.data.occurrences)} times
            </p>
          </>
        )}
      </section>
      <section>
        <h3>Metadata</h3>
        <pre className="code-block">{event.metadata === null ? "—" : JSON.stringify(event.metadata, null, 2)}</pre>
      </section>
    </div>
  );
}
