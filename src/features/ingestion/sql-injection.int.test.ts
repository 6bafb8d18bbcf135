// SQL injection strings in every text field are data: stored, listed, filtered on and exported
// verbatim (CSV only adds its documented formula guard), and no other project's rows appear.
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectedTextCell, parseCsv, parseNdjson } from "~/test/export-helpers";
import { closeTestDb, describeWithHttp, newProject, postEvents, requireBaseUrl } from "~/test/integration";

const INJECTIONS = [
  "'; DROP TABLE cost_events; --",
  "\" OR \"1\"=\"1",
  "' OR '1'='1' /*",
  "1; SELECT pg_sleep(5)--",
  "x' UNION SELECT key_hash, NULL FROM api_keys --",
  "$1::text); DELETE FROM projects; --",
  "\\'; TRUNCATE prompts; --",
  "Robert'); DROP TABLE users;--",
  "%' AND 1=0 UNION ALL SELECT current_user --",
  "-- leading comment dash",
];

let project: Awaited<ReturnType<typeof newProject>>;
let bystander: Awaited<ReturnType<typeof newProject>>;

const events = () =>
  INJECTIONS.map((s, i) => ({
    id: `sqli-${i}-${s}`,
    provider: "openai",
    model: s,
    feature: s,
    userId: s,
    sessionId: s,
    errorMessage: s,
    prompt: `${s} #${i}`,
    metadata: { [s]: s },
    inputTokens: 10 + i,
    outputTokens: 5,
  }));

const exportUrl = (format: string, feature?: string) =>
  `${requireBaseUrl()}/api/export/events?format=${format}${feature === undefined ? "" : `&feature=${encodeURIComponent(feature)}`}`;

describeWithHttp("SQL injection strings are stored and exported verbatim", () => {
  beforeAll(async () => {
    project = await newProject("sqli");
    bystander = await newProject("sqli-bystander");
    expect((await postEvents(bystander.key, { provider: "openai", model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1 })).status).toBe(200);
    const res = await postEvents(project.key, { events: events() });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.accepted).toBe(INJECTIONS.length);
  });
  afterAll(closeTestDb);

  it("JSON and NDJSON exports carry every string exactly; tables and other projects are intact", async () => {
    const nd = await fetch(exportUrl("ndjson"), { headers: { authorization: `Bearer ${project.key}` } });
    expect(nd.status).toBe(200);
    const rows = parseNdjson(await nd.text());
    expect(rows).toHaveLength(INJECTIONS.length);
    for (const [i, s] of INJECTIONS.entries()) {
      const row = rows.find((r) => r.eventId === `sqli-${i}-${s}`);
      expect(row, s).toMatchObject({ model: s, feature: s, userId: s, sessionId: s, errorMessage: s, prompt: `${s} #${i}`, metadata: { [s]: s } });
    }
    const json = (await (await fetch(exportUrl("json"), { headers: { authorization: `Bearer ${project.key}` } })).json()) as unknown[];
    expect(json).toHaveLength(INJECTIONS.length);
    // The bystander still has its event: nothing was dropped or truncated.
    const other = await fetch(exportUrl("ndjson"), { headers: { authorization: `Bearer ${bystander.key}` } });
    expect(parseNdjson(await other.text())).toHaveLength(1);
  });

  it("CSV holds the same strings, with only the formula guard on cells that start like a formula", async () => {
    const res = await fetch(exportUrl("csv"), { headers: { authorization: `Bearer ${project.key}` } });
    const rows = parseCsv(await res.text());
    expect(rows).toHaveLength(INJECTIONS.length);
    for (const s of INJECTIONS) {
      const row = rows.find((r) => r.model === expectedTextCell(s));
      expect(row, s).toBeDefined();
      expect(row?.feature).toBe(expectedTextCell(s));
      expect(row?.userId).toBe(expectedTextCell(s));
    }
  });

  it("filters with injection strings match exactly one row, as plain values", async () => {
    for (const s of INJECTIONS) {
      const res = await fetch(exportUrl("ndjson", s), { headers: { authorization: `Bearer ${project.key}` } });
      expect(res.status, s).toBe(200);
      const rows = parseNdjson(await res.text());
      expect(rows.map((r) => r.feature), s).toEqual([s]);
    }
    const input = encodeURIComponent(JSON.stringify({ json: { feature: INJECTIONS[0], limit: 10 } }));
    const listed = await fetch(`${requireBaseUrl()}/api/trpc/events.list?input=${input}`, { headers: { authorization: `Bearer ${project.key}` } });
    const body = (await listed.json()) as { result: { data: { json: { items: { feature: string }[] } } } };
    expect(body.result.data.json.items.map((r) => r.feature)).toEqual([INJECTIONS[0]]);
  });
});
