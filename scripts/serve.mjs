// The production server: what `next start` does, with the API route handlers called directly.
//
//   node scripts/serve.mjs -p PORT -H HOST     (npm start, the tests and the benches run it)
//
// Next's request path costs every request about 1.5 ms of CPU on a 2-core machine before a route
// handler runs (routing, rewrites and headers from next.config, the request's adaptation, the
// response cache, tracing): 2.5 ms for /api/health, whose own work is two round trips. The API
// routes need none of it: they take a Request and give a Response, and every API route wraps its
// handler in src/server/http.ts's route(), which adds the request id, HSTS, typed errors, never a
// stack trace. So for /api/* (not /api/auth/*, which goes through the proxy for its CSP), this
// server calls the exported method of the route module Next built — the same module instance Next
// itself would call, loaded by the same require — and answers with what next.config.mjs gives
// API responses: the static security headers and the API policy, then gzip when the client asks
// (Next's own compression middleware). A method the module does not export (HEAD, OPTIONS, a 405),
// and every page, static file and /api/auth request, is Next's, unchanged. docs/architecture.md
// ("Request paths") has the figures.
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

// As `next start` sets them (next/dist/bin/next) before the server and the instrumentation load.
process.env.NODE_ENV ??= "production";
process.env.NEXT_RUNTIME = "nodejs";

function argValue(flag, fallback) {
  const i = process.argv.indexOf(flag);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const port = Number(argValue("-p", process.env.PORT ?? "3000"));
const hostname = argValue("-H", process.env.HOSTNAME ?? "0.0.0.0");
const dir = process.cwd();
const distDir = path.join(dir, ".next");

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
// next.config.mjs's headers() for "/api/:path((?!auth/).*)": the same two tables.
const API_HEADERS = Object.freeze({
  ...readJson(path.join(dir, "src/server/static-security-headers.json")),
  ...readJson(path.join(dir, "src/server/api-security-headers.json")),
});

class Undecodable extends Error {}
function decodeSegment(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new Undecodable(part);
  }
}

/**
 * "/api/export/[kind]/route" → a matcher of "/api/export/events" giving { kind: "events" }; null when
 * the path is not this route's, or when a segment is not valid percent-encoding (Next answers it).
 */
function compileRoute(page) {
  const match = compileSegments(page);
  return (pathname) => {
    try {
      return match(pathname);
    } catch (err) {
      if (err instanceof Undecodable) return null;
      throw err;
    }
  };
}

function compileSegments(page) {
  const segments = page.replace(/\/route$/, "").split("/").slice(1);
  return (pathname) => {
    const parts = pathname.split("/").slice(1);
    const params = {};
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const catchAll = /^\[\[?\.\.\.(\w+)\]\]?$/.exec(seg);
      if (catchAll) {
        const rest = parts.slice(i);
        if (rest.length === 0 && !seg.startsWith("[[")) return null;
        params[catchAll[1]] = rest.map(decodeSegment);
        return params;
      }
      const part = parts[i];
      if (part === undefined || part === "") return null;
      const dynamic = /^\[(\w+)\]$/.exec(seg);
      if (dynamic) params[dynamic[1]] = decodeSegment(part);
      else if (seg !== part) return null;
    }
    return parts.length === segments.length ? params : null;
  };
}

/** The API routes of the build: every app route under /api/ but /api/auth/. */
function apiRoutes() {
  const manifest = readJson(path.join(distDir, "server/app-paths-manifest.json"));
  const routes = [];
  for (const [page, file] of Object.entries(manifest)) {
    if (!page.startsWith("/api/") || page.startsWith("/api/auth/") || !page.endsWith("/route")) continue;
    routes.push({ page, match: compileRoute(page), file: path.join(distDir, "server", file), module: null });
  }
  // Static segments before dynamic ones, as Next orders them.
  return routes.sort((a, b) => Number(a.page.includes("[")) - Number(b.page.includes("[")));
}

async function userlandOf(route) {
  if (!route.module) {
    const { routeModule } = require(route.file);
    await routeModule.ensureUserland();
    route.module = routeModule.userland;
  }
  return route.module;
}

function toRequest(req, res, signal) {
  // req.headers, not rawHeaders: src/server/peer-address.ts appends the socket's address there.
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  // As Next's base server does before a route handler sees the request (src/server/auth/csrf.ts reads the proto).
  const encrypted = Boolean(req.socket.encrypted);
  if (!headers.has("x-forwarded-host")) headers.set("x-forwarded-host", req.headers.host ?? hostname);
  if (!headers.has("x-forwarded-port")) headers.set("x-forwarded-port", String(port));
  if (!headers.has("x-forwarded-proto")) headers.set("x-forwarded-proto", encrypted ? "https" : "http");
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : bodyStream(req);
  if (body) res.once("finish", body.drainRest);
  return new Request(`http://${req.headers.host ?? `${hostname}:${port}`}${req.url}`, {
    method: req.method,
    headers,
    signal,
    ...(body ? { body: body.stream, duplex: "half" } : {}),
  });
}

/**
 * The request body as a web stream, read only when the route reads it, chunk by chunk. What the
 * route leaves unread (it answered 413 on the declared length, or cancelled the stream past its
 * cap) is read and dropped once the answer is sent (`drainRest`), so the keep-alive connection
 * serves the client's next request, as with Next's own adapter (`Readable.toWeb` destroyed the
 * socket on cancel, and a body never read left it stalled: the next request on it failed).
 */
function bodyStream(req) {
  let listening = false;
  let settled = false;
  const onData = (chunk) => {
    req.pause();
    controllerRef?.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  let controllerRef = null;
  const settle = (err) => {
    if (settled || !controllerRef) return;
    settled = true;
    if (err) controllerRef.error(err);
    else controllerRef.close();
  };
  const stream = new ReadableStream(
    {
      start(controller) {
        controllerRef = controller;
      },
      pull() {
        if (!listening) {
          listening = true;
          req.on("data", onData);
          req.once("end", () => settle(null));
          req.once("error", (err) => settle(err));
          // The client went away mid-upload: the route's read fails instead of waiting forever.
          req.once("close", () => settle(req.complete ? null : new Error("the client closed the connection before the body ended")));
        }
        req.resume();
      },
      cancel() {
        drainRest();
      },
    },
    { highWaterMark: 0 },
  );
  function drainRest() {
    settled = true; // nothing is enqueued or closed on a stream the route no longer reads
    req.off("data", onData);
    if (!req.complete) req.resume();
  }
  return { stream, drainRest };
}

function logError(msg, err) {
  console.error(JSON.stringify({ t: new Date().toISOString(), level: "error", msg, error: err instanceof Error ? err.message : String(err) }));
}

async function serveApi(handler, params, req, res, compress) {
  const aborted = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  let response;
  try {
    // As Next's route modules do before every handler: the instrumentation hook (src/instrumentation.ts:
    // migrations, bootstrap, workers) has finished. Memoised by Next: one promise per process.
    await ensureInstrumentationRegistered(dir, ".next");
    response = await handler(toRequest(req, res, aborted.signal), { params: Promise.resolve(params) });
  } catch (err) {
    // route() already turns every error into an answer; this is the last line, like Next's 500.
    logError("unhandled error in an API route", err);
    response = new Response(JSON.stringify({ error: "internal_error", message: "internal error" }), {
      status: 500,
      headers: { "content-type": "application/json; charset=utf-8" },
    });
  }
  const headers = { ...API_HEADERS };
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  compress(req, res, () => undefined);
  res.writeHead(response.status, headers);
  if (!response.body || req.method === "HEAD") {
    await response.body?.cancel().catch(() => undefined);
    res.end();
    return;
  }
  await sendBody(response.body, res, aborted.signal);
}

/**
 * The body piped to the socket with backpressure (as Next's own pipeToNodeResponse does). The client
 * going away aborts the pipe, which cancels the stream (an export's cursor is closed, as its route's
 * signal is aborted); a body that fails after the head was sent can only end the connection.
 */
async function sendBody(body, res, aborted) {
  let drained = null;
  const onDrain = () => drained?.();
  res.on("drain", onDrain);
  res.once("close", onDrain);
  const sink = new WritableStream({
    write(chunk) {
      if (res.write(chunk)) return undefined;
      return new Promise((resolve) => {
        drained = resolve;
      });
    },
    close() {
      res.end();
    },
  });
  try {
    await body.pipeTo(sink, { signal: aborted });
  } catch (err) {
    if (!aborted.aborted) logError("API response body failed", err);
    res.destroy();
  } finally {
    res.off("drain", onDrain);
  }
}

const next = require("next");
const app = next({ dev: false, dir, hostname, port });
const nextHandler = app.getRequestHandler();
await app.prepare();
const compression = require("next/dist/compiled/compression");
const { ensureInstrumentationRegistered } = require("next/dist/server/lib/router-utils/instrumentation-globals.external");
// next.config.mjs leaves `compress` at its default (on), as Next's router server reads it.
const compress = compression();
const routes = apiRoutes();

const server = http.createServer((req, res) => {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const pathname = q < 0 ? url : url.slice(0, q);
  if (pathname.startsWith("/api/") && !pathname.startsWith("/api/auth/")) {
    for (const route of routes) {
      const params = route.match(pathname);
      if (!params) continue;
      userlandOf(route).then(
        (userland) => {
          const handler = userland[req.method ?? "GET"];
          return typeof handler === "function" ? serveApi(handler, params, req, res, compress) : nextHandler(req, res);
        },
        (err) => {
          logError("loading an API route failed", err);
          return nextHandler(req, res);
        },
      ).catch((err) => {
        logError("serving an API route failed", err);
        res.destroy();
      });
      return;
    }
  }
  void nextHandler(req, res);
});

server.listen(port, hostname, () => {
  console.log(`▲ AI Cost Profiler on http://${hostname}:${port} (${routes.length} API routes served directly)`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  // As next start does: stop accepting, let the requests in flight finish, then close Next.
  server.close(() => {
    app.close().catch(() => undefined).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
  server.closeIdleConnections();
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
