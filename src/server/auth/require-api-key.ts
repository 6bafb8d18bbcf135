import "server-only";
import type { Db } from "~/server/db";
import { unauthorized } from "~/server/errors";
import { bearerToken } from "~/server/http";
import { findActiveApiKey, findActiveApiKeyCached, type ApiKeyOwner } from "./api-keys";

/** Resolves the project of the request's `Authorization: Bearer` key or throws 401 (always a database lookup). */
export async function requireApiKey(req: Request, db: Db): Promise<ApiKeyOwner> {
  const token = bearerToken(req.headers);
  if (!token) throw unauthorized("missing API key: send Authorization: Bearer <project API key>");
  const owner = await findActiveApiKey(db, token);
  if (!owner) throw unauthorized("invalid or revoked API key");
  return owner;
}

/**
 * Like requireApiKey, answered from the in-process cache when the key was seen in the last
 * minute. Only for routes whose statement re-checks the key itself (ingestion: insertEvents).
 */
export async function requireApiKeyCached(req: Request, db: Db): Promise<ApiKeyOwner & { cached: boolean }> {
  const token = bearerToken(req.headers);
  if (!token) throw unauthorized("missing API key: send Authorization: Bearer <project API key>");
  const owner = await findActiveApiKeyCached(db, token);
  if (!owner) throw unauthorized("invalid or revoked API key");
  return owner;
}
