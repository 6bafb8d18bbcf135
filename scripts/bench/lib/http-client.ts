// Keep-alive HTTP POSTs to the app. `http` (node:http with a keep-alive agent, one socket per
// client) is the default because it costs the load generator less CPU on a small machine than
// `fetch` (undici, also keep-alive); both are offered so the client's share can be compared.
import http from "node:http";

export type ClientKind = "http" | "fetch";
export type PostResult = { status: number; text: string };
export type Poster = { post: (path: string, body: string, bytes: number) => Promise<PostResult>; close: () => void };

const TIMEOUT_MS = 30_000;

export function createPoster(baseUrl: string, apiKey: string, kind: ClientKind, sockets: number): Poster {
  const base = new URL(baseUrl);
  if (kind === "fetch") {
    return {
      post: async (path, body) => {
        const res = await fetch(new URL(path, base), {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        return { status: res.status, text: await res.text() };
      },
      close: () => undefined,
    };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  return {
    post: (path, body, bytes) => send(agent, base, { path, method: "POST", headers: { ...headers, "content-length": bytes } }, body),
    close: () => agent.destroy(),
  };
}

/** One request over `agent`: its status and whole body as text; a timeout or socket error rejects. */
function send(agent: http.Agent, base: URL, options: http.RequestOptions, body?: string): Promise<PostResult> {
  return new Promise<PostResult>((resolve, reject) => {
    const req = http.request({ ...options, agent, host: base.hostname, port: base.port, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end(body);
  });
}

export type Getter = { get: (path: string) => Promise<PostResult>; close: () => void };

/**
 * Keep-alive GETs over node:http, one socket: what the read benches time. (Timed through undici's
 * fetch, a 100-row tRPC page cost about twice the server's own time on 2 cores: the client's share
 * was in the figure.)
 */
export function createGetter(baseUrl: string, headers: Record<string, string>): Getter {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  return {
    get: (path) => send(agent, base, { path, method: "GET", headers }),
    close: () => agent.destroy(),
  };
}
