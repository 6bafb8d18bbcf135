import "server-only";
import { MAX_BODY_DEPTH, jsonDepthIssue } from "~/lib/json-bounds";
import { MAX_TRPC_BATCH } from "~/lib/trpc-limits";
import { AppError, badRequest } from "../errors";
import { readBodyCapped } from "../http";

// Bounds on what a tRPC request may carry, checked before tRPC and superjson see it: superjson
// walks inputs (and their `meta`) recursively, and an unbounded batch is one request doing the work
// of thousands.

/** Input bodies are filters and small forms; prices and names are the largest. */
export const MAX_TRPC_BODY_BYTES = 256 * 1024;

function tooDeep(input: string): AppError | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input) as unknown;
  } catch {
    return null; // not JSON: tRPC answers its own 400 for that
  }
  const deep = jsonDepthIssue(parsed, MAX_BODY_DEPTH, "input");
  return deep ? badRequest(`${deep.path} ${deep.message}`, [deep]) : null;
}

/** A tRPC-shaped error body (per call for a batch) so clients read it like any other failure. */
function errorResponse(err: AppError, batchSize: number, batched: boolean): Response {
  const code = err.status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST";
  const one = {
    error: {
      json: {
        message: err.message,
        code: err.status === 413 ? -32413 : -32600, // JSON-RPC codes as tRPC numbers them
        data: { code, httpStatus: err.status, issues: err.details.issues ?? null },
      },
    },
  };
  const body = batched ? Array.from({ length: Math.min(batchSize, MAX_TRPC_BATCH) }, () => one) : one;
  return new Response(JSON.stringify(body), {
    status: err.status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * Checks a request to /api/trpc: batch size, body size and nesting. Returns the request to hand to
 * tRPC (its body already read, so it is rebuilt) or the error response to send instead.
 */
export async function limitTrpcRequest(req: Request, endpoint: string): Promise<Request | Response> {
  const url = new URL(req.url);
  const batched = url.searchParams.get("batch") === "1";
  const paths = url.pathname.slice(endpoint.length + 1).split(",");
  if (batched && paths.length > MAX_TRPC_BATCH) {
    const message = `a batch may call at most ${MAX_TRPC_BATCH} procedures (got ${paths.length}); split it`;
    return errorResponse(badRequest(message, [{ path: "(batch)", message }]), paths.length, true);
  }
  const query = url.searchParams.get("input");
  if (query !== null) {
    const err = tooDeep(query);
    if (err) return errorResponse(err, paths.length, batched);
  }
  if (req.method !== "POST") return req;
  let body: Buffer;
  try {
    body = await readBodyCapped(req, MAX_TRPC_BODY_BYTES);
  } catch (err) {
    if (err instanceof AppError) return errorResponse(err, paths.length, batched);
    throw err;
  }
  const text = body.toString("utf8");
  const err = text === "" ? null : tooDeep(text);
  if (err) return errorResponse(err, paths.length, batched);
  return new Request(req, { body: text });
}
