"use client";

type ErrorLike = { message: string; data?: { issues?: { path: string; message: string }[] | null } | null } | null | undefined;

/** A failed query: what went wrong (field issues when the server named them) and a retry button. */
export function ErrorState({ error, onRetry, title = "Could not load this data" }: { error: ErrorLike; onRetry: () => void; title?: string }) {
  const issues = error?.data?.issues ?? [];
  return (
    <div className="state state-error" role="alert">
      <strong>{title}</strong>
      <p className="muted">{error?.message ?? "Unknown error"}</p>
      {issues.length > 0 && (
        <ul className="issues">
          {issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <code>{i.path || "input"}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="btn" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}
