// Helpers for the integration tier: real PostgreSQL, real HTTP, one fresh project per test.
import { randomBytes } from "node:crypto";
import { describe, inject } from "vitest";
import { createApiKey } from "~/server/auth/api-keys";
import { createDbClient, type DbClient } from "~/server/db";

export const pgUrl = inject("pgUrl");
export const baseUrl = inject("baseUrl");
export const redisUrl = inject("redisUrl");

/** describe() that runs only with a real database, and says why when it cannot. */
export function describeWithDb(name: string, fn: () => void) {
  if (!pgUrl) console.warn(`[skipped] ${name}: ${inject("pgSkipReason")}`);
  return describe.skipIf(!pgUrl)(name, fn);
}

/** describe() that needs the real app over HTTP (next start against the test database). */
export function describeWithHttp(name: string, fn: () => void) {
  if (!baseUrl) console.warn(`[skipped] ${name}: ${inject("httpSkipReason")}`);
  return describe.skipIf(!baseUrl)(name, fn);
}

let shared: DbClient | null = null;
export function testDb(): DbClient {
  if (!pgUrl) throw new Error("no test database");
  shared ??= createDbClient(pgUrl, { max: 4 });
  return shared;
}

export async function closeTestDb(): Promise<void> {
  await shared?.sql.end({ timeout: 5 });
  shared = null;
}

/** A project of its own (and its key) so tests never share state. */
export async function newProject(label = "t") {
  const name = `${label}-${randomBytes(6).toString("hex")}`;
  const { projectId, key } = await createApiKey(testDb().db, name);
  return { name, projectId, key };
}

export function requireBaseUrl(): string {
  if (!baseUrl) throw new Error("no app server");
  return baseUrl;
}

export async function postEvents(key: string | null, body: unknown, init: { contentType?: string; raw?: string } = {}) {
  const headers: Record<string, string> = { "content-type": init.contentType ?? "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${requireBaseUrl()}/api/v1/events`, {
    method: "POST",
    headers,
    body: init.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json as Record<string, unknown> };
}

/** Every item of a keyset-paged list, following nextCursor to the end. */
export async function pageAll<T>(fetchPage: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await fetchPage(cursor);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}
