// A loopback stand-in for POST /api/v1/events that stores events by id, like the real route
// (a repeated id is a duplicate), with a hook to make some requests fail.
import { startStub, type Stub, type StubReply } from "./http-stub.js";

type Stored = Record<string, unknown> & { id: string };

export interface FakeIngest extends Stub {
  events: Map<string, Stored>;
  batches: number[];
}

export async function startFakeIngest(fail: (index: number) => StubReply | null = () => null): Promise<FakeIngest> {
  const events = new Map<string, Stored>();
  const batches: number[] = [];
  const stub = await startStub((req, index) => {
    const failure = fail(index);
    if (failure) return failure;
    const list = (req.json as { events?: Stored[] } | null)?.events ?? [];
    batches.push(list.length);
    let accepted = 0;
    for (const e of list) {
      if (events.has(e.id)) continue;
      events.set(e.id, e);
      accepted += 1;
    }
    return { status: 200, json: { accepted, duplicates: list.length - accepted, rejected: [] } };
  });
  return Object.assign(stub, { events, batches });
}
