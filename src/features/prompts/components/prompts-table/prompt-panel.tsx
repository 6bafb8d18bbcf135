"use client";

import { useQuery } from "@tanstack/react-query";
import { Money } from "~/components/ui/money";
import { Skeleton } from "~/components/ui/skeleton";
import type { PromptItem } from "~/features/prompts/server/prompts-list";
import { useTRPC } from "~/trpc/react";
import { averageCost, formatTime, formatTokens } from "~/lib/display";
import { SimilarPrompts } from "./similar-prompts";

/** The selected prompt: full text, figures in the window, and its near-duplicates. */
export function PromptPanel({ prompt, onClose }: { prompt: PromptItem; onClose: () => void }) {
  const trpc = useTRPC();
  const text = useQuery(trpc.prompts.text.queryOptions({ promptId: prompt.id }));
  return (
    <aside className="panel" aria-labelledby="prompt-panel-title">
      <header className="drawer-head">
        <h2 id="prompt-panel-title">Prompt #{prompt.id}</h2>
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Close
        </button>
      </header>
      <dl className="kv compact">
        <div>
          <dt>Calls</dt>
          <dd>{formatTokens(prompt.calls)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>
            <Money value={prompt.costUsd} />
          </dd>
        </div>
        <div>
          <dt>Cost / call</dt>
          <dd>
            <Money value={averageCost(prompt.costUsd, prompt.calls)} />
          </dd>
        </div>
        <div>
          <dt>First seen</dt>
          <dd>{formatTime(prompt.firstSeen, "MMM d, HH:mm")}</dd>
        </div>
      </dl>
      {text.isPending ? (
        <Skeleton height={120} />
      ) : text.isError ? (
        <p role="alert">Could not load the prompt text: {text.error.message}</p>
      ) : (
        <pre className="code-block prompt-text" data-testid="prompt-text">{text.data.text}</pre>
      )}
      <SimilarPrompts promptId={prompt.id} />
    </aside>
  );
}
