import "server-only";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import { badRequest } from "../errors";

// Opaque keyset cursors: base64url(JSON) + "." + a truncated HMAC. The payload carries a version,
// the list it belongs to and a digest of (project, filters), so a cursor that is malformed,
// tampered with, or replayed on another list, project or filter set is a 400 naming the cursor.
const VERSION = 1;
const MAC_BYTES = 16;

export type CursorScope = { list: string; projectId: string; fingerprint: string };

function scopeDigest(scope: CursorScope): string {
  return createHash("sha256").update(`${scope.list}\n${scope.projectId}\n${scope.fingerprint}`).digest("base64url").slice(0, 22);
}

function mac(secret: Buffer, payload: string): Buffer {
  return createHmac("sha256", secret).update(payload).digest().subarray(0, MAC_BYTES);
}

export function encodeCursor(secret: Buffer, scope: CursorScope, key: unknown): string {
  const payload = Buffer.from(JSON.stringify({ v: VERSION, s: scopeDigest(scope), k: key })).toString("base64url");
  return `${payload}.${mac(secret, payload).toString("base64url")}`;
}

const invalid = (why: string) => badRequest(`cursor is invalid: ${why}`, [{ path: "cursor", message: why }]);

export function decodeCursor<T>(secret: Buffer, scope: CursorScope, cursor: string, keySchema: z.ZodType<T>): T {
  const [payload, signature, extra] = cursor.split(".");
  if (!payload || !signature || extra !== undefined) throw invalid("malformed");
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid("tampered or from another server");
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw invalid("malformed");
  }
  const body = decoded as { v?: unknown; s?: unknown; k?: unknown };
  if (body.v !== VERSION) throw invalid("from an older version; restart paging");
  if (body.s !== scopeDigest(scope)) throw invalid("issued for another list, project or set of filters");
  const key = keySchema.safeParse(body.k);
  if (!key.success) throw invalid("malformed");
  return key.data;
}
