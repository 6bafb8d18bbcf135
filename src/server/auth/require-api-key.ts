import "server-only";
import type { Db } from "~/server/db";
import { unauthorized } from "~/server/errors";
import { bearerToken } from "~/server/http";
import { findActiveApiKey, type ApiKeyOwner } from "./api-keys";

/** Resolves the project of the request's `Authorization: Bearer` key or throws 401. */
export async function requireApiKey(req: Request, db: Db): Promise<ApiKeyOwner> {
  const token = bearerToken(req.headers);
  if (!token) throw unauthorized("missing API key: send Authorization: Bearer <project API key>");
  const owner = await findActiveApiKey(db, token);
  if (!owner) throw unauthorized("invalid or revoked API key");
  return owner;
}
