import { connection } from "next/server";
import { findProjectByName, getOverview } from "~/features/analytics/server/overview";
import { formatInt, formatUsd } from "~/lib/format";
import { DEFAULT_PROJECT } from "~/server/bootstrap";
import { getDbClient } from "~/server/db";

const WINDOW_DAYS = 30;

export default async function HomePage() {
  await connection();
  const { db } = getDbClient();
  const projectId = await findProjectByName(db, DEFAULT_PROJECT);
  const o = projectId ? await getOverview(db, projectId, WINDOW_DAYS) : null;
  return (
    <main>
      <h1>AI Cost Profiler</h1>
      <p className="muted">Project “{DEFAULT_PROJECT}” · last {WINDOW_DAYS} days · exact cost from the hourly rollup</p>
      {!o || o.calls === 0 ? (
        <div className="card">
          <p>No events yet. Send the first one:</p>
          <pre>
            <code>{`curl -X POST http://localhost:3000/api/v1/events \\
  -H "Authorization: Bearer $ACP_API_KEY" -H "Content-Type: application/json" \\
  -d '{"provider":"openai","model":"gpt-4o-mini","feature":"chat","inputTokens":1200,"outputTokens":300}'`}</code>
          </pre>
        </div>
      ) : (
        <>
          <section className="cards" aria-label="summary">
            <div className="card"><div className="label">Cost</div><div className="value" data-testid="total-cost" title={`$${o.costUsd}`}>{formatUsd(o.costUsd)}</div></div>
            <div className="card"><div className="label">Calls</div><div className="value" data-testid="total-calls">{formatInt(o.calls)}</div></div>
            <div className="card"><div className="label">Input tokens</div><div className="value">{formatInt(o.inputTokens)}</div></div>
            <div className="card"><div className="label">Output tokens</div><div className="value">{formatInt(o.outputTokens)}</div></div>
            <div className="card"><div className="label">Error rate</div><div className="value">{((o.errors / o.calls) * 100).toFixed(1)}%</div></div>
          </section>
          {o.unpricedCalls > 0 && (
            <div className="card warn" role="alert">
              {formatInt(o.unpricedCalls)} calls use models with no known price (stored as <code>unpriced</code>, not $0):{" "}
              {o.unpricedModels.join(", ")}. Add a custom price to cost them.
            </div>
          )}
          <div className="cards">
            <Breakdown title="Top features" rows={o.byFeature} />
            <Breakdown title="Top models" rows={o.byModel} />
          </div>
        </>
      )}
    </main>
  );
}

function Breakdown({ title, rows }: { title: string; rows: { name: string; calls: number; costUsd: string }[] }) {
  return (
    <div className="card">
      <div className="label">{title}</div>
      <table>
        <thead><tr><th>Name</th><th className="num">Calls</th><th className="num">Cost</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}><td>{r.name || "(none)"}</td><td className="num">{formatInt(r.calls)}</td><td className="num" title={`$${r.costUsd}`}>{formatUsd(r.costUsd)}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
