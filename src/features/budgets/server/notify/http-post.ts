import "server-only";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { vetTarget } from "./target";

export type PostResult = { statusCode: number | null; error: string | null };

const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 4096;

/**
 * POSTs `body` to `url` once. The connection goes to the address vetHost approved (its lookup is
 * the socket's), the response's body is read up to 4 KiB and dropped, and a redirect is a failure
 * (never followed: its target was not vetted).
 */
export async function postOnce(url: string, body: string, headers: Record<string, string>, allowPrivate: boolean): Promise<PostResult> {
  const target = await vetTarget(url, ["http:", "https:"], "URL", allowPrivate);
  if ("error" in target) return { statusCode: null, error: target.error };
  const { url: u, ...vetted } = target;
  // Connect to the vetted address only, whatever the name resolves to by then.
  const lookup: LookupFunction = (_host, opts, cb) => {
    if (opts.all) cb(null, [vetted]);
    else cb(null, vetted.address, vetted.family);
  };
  const mod = u.protocol === "https:" ? https : http;
  return new Promise<PostResult>((resolve) => {
    const req = mod.request(
      u,
      { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, lookup, timeout: TIMEOUT_MS, servername: u.hostname },
      (res) => {
        let seen = 0;
        res.on("data", (c: Buffer) => {
          seen += c.length;
          if (seen > MAX_RESPONSE_BYTES) res.destroy();
        });
        const done = () => {
          const code = res.statusCode ?? null;
          if (code !== null && code >= 300 && code < 400) resolve({ statusCode: code, error: "redirect not followed" });
          else if (code !== null && code >= 200 && code < 300) resolve({ statusCode: code, error: null });
          else resolve({ statusCode: code, error: `HTTP ${code ?? "?"}` });
        };
        res.on("end", done);
        res.on("close", done);
        res.on("error", done);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) => resolve({ statusCode: null, error: err.message.slice(0, 200) }));
    req.end(body);
  });
}
