// A loopback HTTP server for the SDK's tests: records requests, answers with a handler.
import http from "node:http";

export interface StubRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export type StubReply =
  | { status: number; json?: unknown; headers?: Record<string, string> }
  | { status: number; sse: string[]; headers?: Record<string, string> }
  | { destroy: true };

export interface Stub {
  url: string;
  requests: StubRequest[];
  close: () => Promise<void>;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export async function startStub(handler: (req: StubRequest, index: number) => StubReply | Promise<StubReply>): Promise<Stub> {
  const requests: StubRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const entry: StubRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, json: parse(body) };
      requests.push(entry);
      void Promise.resolve(handler(entry, requests.length - 1)).then((reply) => {
        if ("destroy" in reply) {
          req.socket.destroy();
          return;
        }
        if ("sse" in reply) {
          res.writeHead(reply.status, { "content-type": "text/event-stream", ...reply.headers });
          for (const frame of reply.sse) res.write(frame);
          res.end();
          return;
        }
        const text = reply.json === undefined ? "" : JSON.stringify(reply.json);
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** SSE frames: `data:` only (OpenAI chat) or with `event:` names (Responses API, Anthropic). */
export const sse = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
