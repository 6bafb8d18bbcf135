// Alert notifications on real PostgreSQL with real receivers: a webhook receiver verifying the
// signature, retries with the delivery log, manual redelivery, a sender dying mid-delivery, Slack's
// message format, e-mail through a real SMTP server process (smtp-server), and SSRF refusals.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import {
  createBudget,
  createChannel,
  deliverDue,
  evaluateOnce,
  isPrivateAddress,
  listDeliveries,
  listAlerts,
  muteBudget,
  redeliver,
  verifySignature,
  vetHost,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from "./server";

type Received = { headers: http.IncomingHttpHeaders; body: string };
let receiver: http.Server;
let receiverUrl = "";
const received = new Map<string, Received[]>();
// path → status codes to answer in turn (then 200)
const script = new Map<string, number[]>();

let smtp: SMTPServer;
let smtpPort = 0;
const mails: { from: string; to: string[]; data: string }[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const list = received.get(path) ?? [];
      list.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      received.set(path, list);
      const next = script.get(path)?.shift() ?? 200;
      res.writeHead(next, next >= 300 && next < 400 ? { location: "http://169.254.169.254/latest/meta-data/" } : {});
      res.end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString("utf8"),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
  await new Promise<void>((r) => smtp.close(() => r()));
  await closeTestDb();
});

/** A project whose $1 daily budget is crossed at 50 % and 100 %, with these channels; returns its alerts after one tick. */
async function crossedProject(label: string, channels: Parameters<typeof createChannel>[2][]) {
  const p = await newProject(label);
  const { db } = testDb();
  const created = [];
  for (const c of channels) created.push(await createChannel(db, p.projectId, c, true));
  await createBudget(db, p.projectId, { name: `${label} budget`, amountUsd: "1", period: "day", scope: { kind: "project" }, thresholds: [50, 100] });
  const res = await ingestEvents(testDb(), p.projectId, [
    { id: randomUUID(), provider: "openai", model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1, costUsd: "1.25" },
  ]);
  expect(res.accepted).toBe(1);
  const tick = await evaluateOnce(db, { holder: "n", leaseMs: 5000, lease: `notify-${randomUUID()}`, projectIds: [p.projectId] });
  expect(tick.ran && tick.raised.length).toBe(2);
  return { ...p, channels: created, alerts: (await listAlerts(db, p.projectId, { limit: 10 })).items };
}

const deliverAll = (projectId: string, o: { baseDelayMs?: number } = {}) =>
  deliverDue(testDb().db, { allowPrivate: true, projectIds: [projectId], baseDelayMs: o.baseDelayMs ?? 1 });

describeWithDb("alert notifications (real receivers)", () => {
  it("signs webhook bodies: the receiver verifies HMAC-SHA256 over `${timestamp}.${body}` with the channel's secret", async () => {
    const path = `/hook-${randomUUID()}`;
    const p = await crossedProject("hook", [{ kind: "webhook", name: "ops", url: `${receiverUrl}${path}` }]);
    const secret = p.channels[0]?.secret ?? "";
    expect(secret).toMatch(/^whsec_/);
    expect(await deliverAll(p.projectId)).toEqual({ tried: 2, delivered: 2 });
    const got = received.get(path) ?? [];
    expect(got).toHaveLength(2);
    const now = Math.floor(Date.now() / 1000);
    for (const r of got) {
      const sig = String(r.headers[SIGNATURE_HEADER]);
      const ts = String(r.headers[TIMESTAMP_HEADER]);
      expect(verifySignature(secret, sig, ts, r.body, now)).toBe(true);
      // a tampered body, another secret or an old timestamp fail
      expect(verifySignature(secret, sig, ts, r.body.replace("1.25", "0.25"), now)).toBe(false);
      expect(verifySignature("whsec_other", sig, ts, r.body, now)).toBe(false);
      expect(verifySignature(secret, sig, ts, r.body, now + 3600)).toBe(false);
    }
    const bodies = got.map((r) => JSON.parse(r.body) as { type: string; threshold: number; spentUsd: string; limitUsd: string; alertId: string });
    expect(bodies.map((b) => b.threshold).sort((a, b) => a - b)).toEqual([50, 100]);
    expect(bodies[0]).toMatchObject({ type: "budget.threshold", spentUsd: "1.250000000000", limitUsd: "1.000000000000" });
    // delivered once: nothing is due any more
    expect(await deliverAll(p.projectId)).toEqual({ tried: 0, delivered: 0 });
  });

  it("retries failures with backoff, logs every attempt's status code, and redelivers on request", async () => {
    const path = `/flaky-${randomUUID()}`;
    script.set(path, [500, 503]);
    const p = await crossedProject("flaky", [{ kind: "webhook", name: "flaky", url: `${receiverUrl}${path}` }]);
    const alert = p.alerts.find((a) => a.threshold === 100);
    if (!alert) throw new Error("no 100 % alert");
    // deliver only the 100 % alert's delivery first: the 50 % one is taken out of the way
    await testDb().sql`UPDATE alert_deliveries SET status = 'delivered' WHERE project_id = ${p.projectId} AND alert_id <> ${alert.id}::bigint`;
    for (let i = 0; i < 20; i++) {
      await deliverAll(p.projectId, { baseDelayMs: 1 });
      const [d] = await listDeliveries(testDb().db, p.projectId, alert.id);
      if (d?.status === "delivered") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const [d] = await listDeliveries(testDb().db, p.projectId, alert.id);
    expect(d).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 200, lastError: null });
    expect(d?.log.map((l) => [l.attempt, l.statusCode])).toEqual([[1, 500], [2, 503], [3, 200]]);
    expect(d?.log[0]?.error).toBe("HTTP 500");
    await redeliver(testDb().db, p.projectId, d?.id ?? "");
    await deliverAll(p.projectId);
    const [again] = await listDeliveries(testDb().db, p.projectId, alert.id);
    expect(again?.log.map((l) => l.statusCode)).toEqual([500, 503, 200, 200]);
    expect((received.get(path) ?? []).length).toBe(4);
    await expect(redeliver(testDb().db, (await newProject("other")).projectId, d?.id ?? "")).rejects.toMatchObject({ status: 404 });
  });

  it("gives up after give_up_at and keeps the failure in the log", async () => {
    const path = `/down-${randomUUID()}`;
    script.set(path, [502, 502, 502, 502]);
    const p = await crossedProject("down", [{ kind: "webhook", name: "down", url: `${receiverUrl}${path}` }]);
    await testDb().sql`UPDATE alert_deliveries SET give_up_at = now() + interval '50 milliseconds' WHERE project_id = ${p.projectId}`;
    await deliverAll(p.projectId, { baseDelayMs: 60_000 });
    const states = await testDb().sql<{ status: string; last_status_code: number }[]>`
      SELECT status, last_status_code FROM alert_deliveries WHERE project_id = ${p.projectId}`;
    expect(states).toEqual([{ status: "failed", last_status_code: 502 }, { status: "failed", last_status_code: 502 }]);
  });

  it("a sender that dies mid-delivery: its claim lapses, another instance delivers, the late result cannot overwrite", async () => {
    const path = `/crash-${randomUUID()}`;
    const p = await crossedProject("crash", [{ kind: "webhook", name: "crash", url: `${receiverUrl}${path}` }]);
    const { sql } = testDb();
    // instance A claims both (attempts 1) and dies before sending
    await sql`UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_at = now() + interval '1 minute' WHERE project_id = ${p.projectId}`;
    expect(await deliverAll(p.projectId)).toEqual({ tried: 0, delivered: 0 }); // still claimed
    await sql`UPDATE alert_deliveries SET next_attempt_at = now() WHERE project_id = ${p.projectId}`; // the claim lapsed
    expect(await deliverAll(p.projectId)).toEqual({ tried: 2, delivered: 2 });
    // A's result arrives late, under attempts = 1: it is not recorded over B's
    const late = await sql`UPDATE alert_deliveries SET status = 'failed' WHERE project_id = ${p.projectId} AND attempts = 1 AND status = 'pending' RETURNING id`;
    expect(late).toHaveLength(0);
    expect((await sql<{ status: string }[]>`SELECT status FROM alert_deliveries WHERE project_id = ${p.projectId}`).map((r) => r.status)).toEqual(["delivered", "delivered"]);
    expect((received.get(path) ?? []).length).toBe(2);
  });

  it("posts Slack's incoming-webhook format and e-mails through a real SMTP server", async () => {
    const path = `/slack-${randomUUID()}`;
    const to = `ops-${randomUUID().slice(0, 8)}@example.test`;
    const p = await crossedProject("chat", [
      { kind: "slack", name: "slack", url: `${receiverUrl}${path}` },
      { kind: "email", name: "mail", smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: "alerts@example.test", to: [to] },
    ]);
    expect(await deliverAll(p.projectId)).toEqual({ tried: 4, delivered: 4 });
    const slack = (received.get(path) ?? []).map((r) => JSON.parse(r.body) as { text: string });
    expect(slack).toHaveLength(2);
    expect(slack[0]?.text).toMatch(/Budget "chat budget" \(project, per day\) reached (50|100)%: spent \$1\.250000000000 of \$1\.000000000000/);
    const ours = mails.filter((m) => m.to.includes(to));
    expect(ours).toHaveLength(2);
    expect(ours[0]?.from).toBe("alerts@example.test");
    expect(ours.map((m) => /Subject: (.*)/.exec(m.data)?.[1]).sort()).toEqual(["[AI Cost Profiler] chat budget: 100% of the budget", "[AI Cost Profiler] chat budget: 50% of the budget"]);
    const byKind = new Map((await listDeliveries(testDb().db, p.projectId, p.alerts[0]?.id ?? "")).map((d) => [d.kind, d]));
    expect(byKind.get("email")?.log[0]?.statusCode).toBe(250);
    expect(byKind.get("slack")?.log[0]?.statusCode).toBe(200);
  });

  it("a muted budget's alerts are recorded but not sent; unmuted, the next crossing is", async () => {
    const path = `/muted-${randomUUID()}`;
    const p = await newProject("muted");
    const { db } = testDb();
    await createChannel(db, p.projectId, { kind: "webhook", name: "ops", url: `${receiverUrl}${path}` }, true);
    const b = await createBudget(db, p.projectId, { name: "muted", amountUsd: "1", period: "day", scope: { kind: "project" }, thresholds: [50, 100] });
    await muteBudget(db, p.projectId, b.id, 24);
    const lease = `mute-${randomUUID()}`;
    await ingestEvents(testDb(), p.projectId, [{ id: randomUUID(), provider: "openai", model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1, costUsd: "0.6" }]);
    await evaluateOnce(db, { holder: "m", leaseMs: 5000, lease, projectIds: [p.projectId] });
    expect((await listAlerts(db, p.projectId, { limit: 10 })).items.map((a) => [a.threshold, a.budgetMutedUntil !== null])).toEqual([[50, true]]);
    await muteBudget(db, p.projectId, b.id, 0);
    await ingestEvents(testDb(), p.projectId, [{ id: randomUUID(), provider: "openai", model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1, costUsd: "0.6" }]);
    await evaluateOnce(db, { holder: "m", leaseMs: 5000, lease, projectIds: [p.projectId] });
    expect(await deliverAll(p.projectId)).toEqual({ tried: 1, delivered: 1 });
    expect((received.get(path) ?? []).map((r) => (JSON.parse(r.body) as { threshold: number }).threshold)).toEqual([100]);
  });

  it("refuses loopback, private, link-local and metadata targets (after DNS) unless allowed, and never follows a redirect", async () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00:ec2::254", "::ffff:127.0.0.1"]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    expect(isPrivateAddress("8.8.8.8")).toBe(false);
    await expect(vetHost("localhost", false)).rejects.toThrow(/refused: localhost resolves to/);
    await expect(vetHost("[::1]", false)).rejects.toThrow(/refused/);
    expect((await vetHost("localhost", true)).address).toMatch(/^(127\.0\.0\.1|::1)$/);
    // at channel creation an IP literal is refused at once, naming the field
    const p = await newProject("ssrf");
    await expect(createChannel(testDb().db, p.projectId, { kind: "webhook", name: "x", url: "http://169.254.169.254/latest" }, false)).rejects.toMatchObject({ status: 400, details: { issues: [{ path: "url" }] } });
    await expect(createChannel(testDb().db, p.projectId, { kind: "email", name: "x", smtpUrl: "smtp://10.0.0.5:25", from: "a@example.test", to: ["b@example.test"] }, false)).rejects.toMatchObject({ status: 400 });
    // a name (resolved at send time) to loopback, with private targets not allowed: refused, logged, no request made
    const path = `/ssrf-${randomUUID()}`;
    const q = await crossedProject("ssrf-send", [
      { kind: "webhook", name: "by name", url: `http://localhost:${new URL(receiverUrl).port}${path}` },
      { kind: "email", name: "mail", smtpUrl: `smtp://localhost:${smtpPort}`, from: "a@example.test", to: ["b@example.test"] },
    ]);
    const before = mails.length;
    expect(await deliverDue(testDb().db, { allowPrivate: false, projectIds: [q.projectId] })).toEqual({ tried: 4, delivered: 0 });
    expect(received.get(path)).toBeUndefined();
    expect(mails.length).toBe(before);
    const logged = await listDeliveries(testDb().db, q.projectId, q.alerts[0]?.id ?? "");
    expect(logged.map((d) => d.log[0]?.error)).toEqual([expect.stringMatching(/^refused: localhost resolves to/), expect.stringMatching(/^refused: localhost resolves to/)]);
    // a redirect (here to the metadata address) is a failure, not followed
    const hop = `/redirect-${randomUUID()}`;
    script.set(hop, [302]);
    const r = await crossedProject("redirect", [{ kind: "webhook", name: "hop", url: `${receiverUrl}${hop}` }]);
    await testDb().sql`UPDATE alert_deliveries SET status = 'delivered' WHERE project_id = ${r.projectId} AND alert_id <> ${r.alerts[0]?.id ?? "0"}::bigint`;
    await deliverAll(r.projectId);
    const [d] = await listDeliveries(testDb().db, r.projectId, r.alerts[0]?.id ?? "");
    expect(d?.log[0]).toMatchObject({ statusCode: 302, error: "redirect not followed" });
    expect(d?.status).toBe("pending");
  });
});
