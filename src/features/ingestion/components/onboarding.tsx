"use client";

import { CopyButton } from "~/components/ui/copy-button";
import { useOrigin } from "~/components/ui/use-origin";

function Snippet({ title, code }: { title: string; code: string }) {
  return (
    <div className="snippet">
      <div className="snippet-head">
        <span className="label">{title}</span>
        <CopyButton text={code} />
      </div>
      <pre className="code-block">
        <code>{code}</code>
      </pre>
    </div>
  );
}

/** How to send the first event: shown by an empty project and in Settings. */
export function Onboarding({ heading = "Send your first event" }: { heading?: string }) {
  const origin = useOrigin();
  const curl = `curl -X POST ${origin}/api/v1/events \\
  -H "Authorization: Bearer $ACP_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"provider":"openai","model":"gpt-4o-mini","feature":"chat",
       "inputTokens":1200,"outputTokens":300,"latencyMs":840,
       "prompt":"You are a helpful assistant…","userId":"u-42"}'`;
  const sdk = `import OpenAI from "openai";
import { createProfiler, wrapOpenAI } from "@ai-cost-profiler/sdk";

const profiler = createProfiler({ apiKey: process.env.ACP_API_KEY!, baseUrl: "${origin}" });
const openai = wrapOpenAI(new OpenAI(), { profiler, feature: "chat" });

// Every call is now recorded: tokens, cost, latency and prompt.
await openai.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });`;
  return (
    <section className="card onboarding" aria-labelledby="onboarding-title">
      <h2 id="onboarding-title">{heading}</h2>
      <p className="muted">
        Create an API key (<a href="/settings#keys">Settings → API keys</a>), then send one event per LLM call — with curl or the SDK, which
        batches, retries and never double-counts.
      </p>
      <Snippet title="curl" code={curl} />
      <Snippet title="Node.js SDK" code={sdk} />
    </section>
  );
}
