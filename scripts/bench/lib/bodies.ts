// Request bodies are generated before any timed phase. A pool of templates is kept with a
// placeholder where each event id's prefix goes; every request joins its template with its own
// prefix (one Array.join, no JSON work), so every event the server sees is new.
import { generateEvents, type GeneratedEvent } from "../../lib/generate";

const PLACEHOLDER = "~BENCHID~";

export type BodyTemplate = { parts: string[]; fixedBytes: number; slots: number; events: GeneratedEvent[] };
export type Body = { text: string; bytes: number };

function template(json: string, events: GeneratedEvent[]): BodyTemplate {
  const parts = json.split(PLACEHOLDER);
  if (parts.length - 1 !== events.length) {
    throw new Error(`body template has ${parts.length - 1} id slots for ${events.length} events (placeholder collision?)`);
  }
  return { parts, fixedBytes: Buffer.byteLength(json) - events.length * Buffer.byteLength(PLACEHOLDER), slots: events.length, events };
}

export type TemplateOptions = { seed?: number; /** timestamps spread over the last `days` days */ days?: number };

/** `count` templates of `{"events":[…]}` with `batch` events each (distinct seeds). */
export function batchTemplates(count: number, batch: number, o: TemplateOptions = {}): BodyTemplate[] {
  return Array.from({ length: count }, (_, t) => {
    const events = [...generateEvents(batch, { seed: (o.seed ?? 1000) + t, days: o.days ?? 30, idPrefix: PLACEHOLDER })];
    return template(JSON.stringify({ events }), events);
  });
}

/** `count` templates of one bare event each. */
export function singleTemplates(count: number, o: TemplateOptions = {}): BodyTemplate[] {
  return [...generateEvents(count, { seed: o.seed ?? 5000, days: o.days ?? 30, idPrefix: PLACEHOLDER })].map((e) => template(JSON.stringify(e), [e]));
}

/** The body with every id prefixed by `prefix` (ids become `${prefix}-${i}`). */
export function render(t: BodyTemplate, prefix: string): Body {
  return { text: t.parts.join(prefix), bytes: t.fixedBytes + t.slots * Buffer.byteLength(prefix) };
}

export function placeholderSuffixes(t: BodyTemplate): string[] {
  return t.events.map((e) => e.id.slice(PLACEHOLDER.length));
}
