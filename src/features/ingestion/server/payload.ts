import "server-only";
import { badRequest } from "~/server/errors";
import { MAX_BATCH_EVENTS } from "../schemas";

/** Accepts one event, `{"events": [...]}` or a bare array; returns the list of raw items. */
export function splitPayload(body: unknown): unknown[] {
  if (Array.isArray(body)) return checkBatch(body, "(body)");
  if (typeof body === "object" && body !== null && "events" in body) {
    const events = body.events;
    if (!Array.isArray(events)) {
      throw badRequest("events must be an array of events", [{ path: "events", message: "must be an array" }]);
    }
    return checkBatch(events, "events");
  }
  if (typeof body !== "object" || body === null) {
    throw badRequest("body must be a JSON object: one event or {\"events\": [...]}", [
      { path: "(body)", message: "must be a JSON object" },
    ]);
  }
  return [body];
}

function checkBatch(items: unknown[], path: string): unknown[] {
  if (items.length === 0) {
    throw badRequest(`${path} must contain at least one event`, [{ path, message: "must not be empty" }]);
  }
  if (items.length > MAX_BATCH_EVENTS) {
    throw badRequest(`${path} must contain at most ${MAX_BATCH_EVENTS} events (got ${items.length}); split the batch`, [
      { path, message: `at most ${MAX_BATCH_EVENTS} events per request` },
    ]);
  }
  return items;
}
