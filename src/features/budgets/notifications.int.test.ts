// Alert notifications on real PostgreSQL with real receivers: a webhook receiver verifying the
// signature, retries with the delivery log, manual redelivery, a sender dying mid-delivery, Slack's
// message format, e-mail through a real SMTP server process (smtp-server), and SSRF refusals; and
// anomaly alerts (spikes, unpriced models) through the same machinery, exactly once per channel.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import { ingestCalls } from "./test-events";
import { deliveriesInputSchema, muteAnomaliesInputSchema } from "./schemas";
import {
  acquireLease,
  createBudget,
  createChannel,
  detectAnomalies,
  listAnomalies,
  muteAnomalies,
  startBudgetEvaluator,
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

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

/**
 * The last complete hour, after waiting out the end of the current one when it is under 30 s away
 * (the evaluators look at the last complete hour of their own clock).
 */
async function lastCompleteHour(): Promise<number> {
  const left = HOUR - (Date.now() % HOUR);
  if (left < 30_000) await new Promise((r) => setTimeout(r, left + 1000));
  return Math.floor(Date.now() / HOUR) * HOUR - HOUR;
}

/**
 * Feature "chat" spends $16 in `hour` against $2, $2.20, $1.90, $2.10 in the same hour of the past
 * four weeks (usual: the median, $2.05; 7.8×), most of it by mallory on gpt-4o, a model that
 * usually spends nothing there: two spikes (feature chat, model gpt-4o).
 */
async function spikeIn(projectId: string, hour: number) {
  const past = ["2.00", "2.20", "1.90", "2.10"];
  await ingestCalls(projectId, [
    ...past.map((cost, i) => ({ at: hour - (i + 1) * WEEK + 60_000, cost, feature: "chat", userId: "usual" })),
    { at: hour + 60_000, cost: "15", feature: "chat", model: "gpt-4o", userId: "mallory", prompt: "write me a novel" },
    { at: hour + 120_000, cost: "1", feature: "chat", userId: "usual" },
  ]);
}

type SpikeBody = {
  type: string;
  alertId: string;
  deliveryId: string;
  projectId: string;
  dimension: string;
  key: string;
  hour: string;
  hourEnd: string;
  spentUsd: string;
  usualUsd: string;
  ratio: number | null;
  top: { model: string | null; userId: string | null; promptId: string | null };
  raisedAt: string;
};

/** A received message's text body (7bit, quoted-printable or base64, as nodemailer chose). */
function mailText(m: { data: string }): string {
  const [head = "", ...rest] = m.data.split(/\r?\n\r?\n/);
  const body = rest.join("\n\n");
  const cte = /content-transfer-encoding:\s*(\S+)/i.exec(head)?.[1]?.toLowerCase();
  if (cte === "base64") return Buffer.from(body, "base64").toString("utf8").trim();
  if (cte === "quoted-printable") {
    const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8").trim();
  }
  return body.trim();
}

const deliveryCount = async (projectId: string) =>
  (await testDb().sql<{ n: number }[]>`SELECT count(*)::int AS n FROM alert_deliveries WHERE project_id = ${projectId} AND anomaly_id IS NOT NULL`)[0]?.n;

describeWithDb("anomaly alert notifications (real receivers)", () => {
  it("sends each anomaly once per channel — signed webhook, Slack, e-mail — with two evaluators and two more detectors racing", async () => {
    const hook = `/anomaly-hook-${randomUUID()}`;
    const slackPath = `/anomaly-slack-${randomUUID()}`;
    const to = `anomaly-${randomUUID().slice(0, 8)}@example.test`;
    const p = await newProject("anomaly-notify");
    const { db } = testDb();
    const [webhook] = [await createChannel(db, p.projectId, { kind: "webhook", name: "ops", url: `${receiverUrl}${hook}` }, true)];
    await createChannel(db, p.projectId, { kind: "slack", name: "slack", url: `${receiverUrl}${slackPath}` }, true);
    await createChannel(db, p.projectId, { kind: "email", name: "mail", smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: "alerts@example.test", to: [to] }, true);
    const hour = await lastCompleteHour();
    await spikeIn(p.projectId, hour);
    const opts = { lease: `anomaly-${randomUUID()}`, projectIds: [p.projectId], singleton: false, anomalyEveryMs: 1, deliver: { allowPrivate: true, baseDelayMs: 1 } };
    // two instances ticking every 20 ms (each also delivers: deliveries are claimed), one restarted…
    let a = startBudgetEvaluator(db, 20, { ...opts, holder: "anomaly-a" });
    const b = startBudgetEvaluator(db, 20, { ...opts, holder: "anomaly-b" });
    // …while two detectors without a lease (as an instance that lost it mid-tick would be) race each other
    const raced = await Promise.all([detectAnomalies(db, p.projectId, new Date(hour)), detectAnomalies(db, p.projectId, new Date(hour))]);
    await a.stop();
    a = startBudgetEvaluator(db, 20, { ...opts, holder: "anomaly-a2" });
    for (let i = 0; i < 600 && (received.get(hook)?.length ?? 0) + (received.get(slackPath)?.length ?? 0) + mails.filter((m) => m.to.includes(to)).length < 6; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await new Promise((r) => setTimeout(r, 200)); // a few more ticks: nothing new may come
    await a.stop();
    await b.stop();
    expect(raced[0] + raced[1]).toBeLessThanOrEqual(2);
    // and after a restart, a detector finds them already raised
    expect(await detectAnomalies(db, p.projectId, new Date(hour))).toBe(0);
    expect(await deliverAll(p.projectId)).toEqual({ tried: 0, delivered: 0 });

    const anomalies = await listAnomalies(db, p.projectId, 10);
    expect(anomalies.map((x) => `${x.dim}:${x.key}`).sort()).toEqual(["feature:chat", "model:gpt-4o"]);
    expect(await deliveryCount(p.projectId)).toBe(6); // 2 anomalies × 3 channels
    const hooks = received.get(hook) ?? [];
    expect(hooks).toHaveLength(2);
    const now = Math.floor(Date.now() / 1000);
    for (const r of hooks) {
      expect(verifySignature(webhook?.secret ?? "", String(r.headers[SIGNATURE_HEADER]), String(r.headers[TIMESTAMP_HEADER]), r.body, now)).toBe(true);
      expect(verifySignature(webhook?.secret ?? "", String(r.headers[SIGNATURE_HEADER]), String(r.headers[TIMESTAMP_HEADER]), r.body.replace('"spentUsd":"1', '"spentUsd":"2'), now)).toBe(false);
    }
    const bodies = hooks.map((r) => JSON.parse(r.body) as SpikeBody);
    const chat = anomalies.find((x) => x.dim === "feature");
    const feature = bodies.find((x) => x.dimension === "feature");
    expect(feature).toEqual({
      type: "anomaly.spike",
      alertId: chat?.id,
      deliveryId: expect.stringMatching(/^\d+$/) as string,
      projectId: p.projectId,
      dimension: "feature",
      key: "chat",
      hour: new Date(hour).toISOString(),
      hourEnd: new Date(hour + HOUR).toISOString(),
      spentUsd: "16.000000000000",
      usualUsd: "2.050000000000",
      ratio: 7.8,
      top: { model: "gpt-4o", userId: "mallory", promptId: chat?.drivers.promptId },
      raisedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
    });
    expect(feature?.top.promptId).toMatch(/^\d+$/);
    expect(hooks.find((r) => r.body === JSON.stringify(feature))?.headers["x-acp-alert"]).toBe(`anomaly-${chat?.id}`);
    // the model spiked from nothing: no ratio
    expect(bodies.find((x) => x.dimension === "model")).toMatchObject({ type: "anomaly.spike", key: "gpt-4o", spentUsd: "15.000000000000", usualUsd: "0.000000000000", ratio: null });

    const slack = (received.get(slackPath) ?? []).map((r) => (JSON.parse(r.body) as { text: string }).text).sort();
    expect(slack).toHaveLength(2);
    expect(slack).toContain(
      `:chart_with_upwards_trend: Spend spike: feature "chat" spent $16.00 in the hour from ${new Date(hour).toISOString()} to ${new Date(hour + HOUR).toISOString()} (UTC), 7.8x the usual $2.05 for that hour of the week. Spent most: model gpt-4o, user mallory, prompt #${String(chat?.drivers.promptId)}.`,
    );
    const ours = mails.filter((m) => m.to.includes(to));
    expect(ours.map((m) => /Subject: (.*)/.exec(m.data)?.[1]).sort()).toEqual([
      "[AI Cost Profiler] Spend spike: feature chat at 7.8x usual",
      "[AI Cost Profiler] Spend spike: model gpt-4o",
    ]);
    expect(ours.map(mailText).find((t) => t.includes("gpt-4o\"") && !t.includes("feature"))).toBe(
      `Spend spike: model "gpt-4o" spent $15.00 in the hour from ${new Date(hour).toISOString()} to ${new Date(hour + HOUR).toISOString()} (UTC), against the usual $0.00 for that hour of the week. Spent most: model gpt-4o, user mallory, prompt #${String(chat?.drivers.promptId)}.`,
    );
    // the delivery log of an anomaly alert, as the Alerts page reads it
    const log = await listDeliveries(db, p.projectId, chat?.id ?? "", "anomaly");
    expect(log.map((d) => `${d.kind}:${d.status}:${d.attempts}:${d.log.map((l) => l.statusCode).join(",")}`).sort()).toEqual(["email:delivered:1:250", "slack:delivered:1:200", "webhook:delivered:1:200"]);
    // budget alert ids are counted apart: asking for budget alert `chat.id` finds nothing of this project
    expect(await listDeliveries(db, p.projectId, chat?.id ?? "", "budget")).toEqual([]);
  });

  it("sends the first calls of a model without a price, once; a delivery can be sent again on request", async () => {
    const hook = `/unpriced-${randomUUID()}`;
    const slackPath = `/unpriced-slack-${randomUUID()}`;
    const p = await newProject("unpriced-notify");
    const { db } = testDb();
    const ch = await createChannel(db, p.projectId, { kind: "webhook", name: "ops", url: `${receiverUrl}${hook}` }, true);
    await createChannel(db, p.projectId, { kind: "slack", name: "slack", url: `${receiverUrl}${slackPath}` }, true);
    const hour = await lastCompleteHour();
    await ingestCalls(p.projectId, [{ at: Date.now() - 1000, feature: "chat", model: "mystery-model-9000" }]);
    expect(await detectAnomalies(db, p.projectId, new Date(hour))).toBe(1);
    await ingestCalls(p.projectId, [{ at: Date.now() - 500, feature: "chat", model: "mystery-model-9000" }]);
    expect(await detectAnomalies(db, p.projectId, new Date(hour))).toBe(0);
    expect(await deliverAll(p.projectId)).toEqual({ tried: 2, delivered: 2 });
    const [alert] = await listAnomalies(db, p.projectId, 10);
    const got = received.get(hook) ?? [];
    expect(got).toHaveLength(1);
    expect(verifySignature(ch.secret ?? "", String(got[0]?.headers[SIGNATURE_HEADER]), String(got[0]?.headers[TIMESTAMP_HEADER]), got[0]?.body ?? "", Math.floor(Date.now() / 1000))).toBe(true);
    expect(JSON.parse(got[0]?.body ?? "{}")).toEqual({
      type: "anomaly.unpriced_model",
      alertId: alert?.id,
      deliveryId: expect.stringMatching(/^\d+$/) as string,
      projectId: p.projectId,
      dimension: "model",
      key: "mystery-model-9000",
      calls: 1,
      raisedAt: expect.any(String) as string,
    });
    expect((received.get(slackPath) ?? []).map((r) => (JSON.parse(r.body) as { text: string }).text)).toEqual([
      ':grey_question: Model "mystery-model-9000" was called without a price (1 call so far): its calls count $0 until a custom price is added in Settings.',
    ]);
    // manual redelivery of the webhook's delivery: sent again, logged
    const [d] = (await listDeliveries(db, p.projectId, alert?.id ?? "", "anomaly")).filter((x) => x.kind === "webhook");
    expect(d).toMatchObject({ status: "delivered", lastStatusCode: 200 });
    await redeliver(db, p.projectId, d?.id ?? "");
    expect(await deliverAll(p.projectId)).toEqual({ tried: 1, delivered: 1 });
    expect((received.get(hook) ?? []).map((r) => (JSON.parse(r.body) as { alertId: string }).alertId)).toEqual([alert?.id, alert?.id]);
    expect((await listDeliveries(db, p.projectId, alert?.id ?? "", "anomaly")).find((x) => x.kind === "webhook")?.log.map((l) => l.statusCode)).toEqual([200, 200]);
  });

  it("a muted feature's anomalies are recorded but not sent; a deposed evaluator writes none; bad mute input names the field", async () => {
    const hook = `/anomaly-muted-${randomUUID()}`;
    const p = await newProject("anomaly-muted");
    const { db } = testDb();
    await createChannel(db, p.projectId, { kind: "webhook", name: "ops", url: `${receiverUrl}${hook}` }, true);
    const muted = await muteAnomalies(db, p.projectId, "feature", "chat", 24);
    expect(muted.mutedUntil).toEqual(expect.any(String));
    const hour = await lastCompleteHour();
    await spikeIn(p.projectId, hour);
    // an evaluator whose lease another instance took: fenced out, nothing written
    const lease = `anomaly-fence-${randomUUID()}`;
    const old = await acquireLease(db, "old", 60_000, lease);
    await testDb().sql`UPDATE budget_evaluator_lease SET expires_at = now() - interval '1 second' WHERE name = ${lease}`;
    await acquireLease(db, "new", 60_000, lease);
    expect(await detectAnomalies(db, p.projectId, new Date(hour), { fence: { holder: "old", token: old ?? 0n, lease } })).toBe(0);
    expect(await listAnomalies(db, p.projectId, 10)).toEqual([]);
    // the current holder raises both; the muted feature's gets no delivery
    const current = await acquireLease(db, "new", 60_000, lease);
    expect(await detectAnomalies(db, p.projectId, new Date(hour), { fence: { holder: "new", token: current ?? 0n, lease } })).toBe(2);
    const list = await listAnomalies(db, p.projectId, 10);
    expect(list.map((x) => [x.dim, x.key, x.mutedUntil !== null]).sort()).toEqual([["feature", "chat", true], ["model", "gpt-4o", false]]);
    expect(await deliveryCount(p.projectId)).toBe(1);
    expect(await deliverAll(p.projectId)).toEqual({ tried: 1, delivered: 1 });
    expect((received.get(hook) ?? []).map((r) => (JSON.parse(r.body) as SpikeBody).key)).toEqual(["gpt-4o"]);
    // unmuted: listed as such (the next hour's spike of chat would be sent)
    expect((await muteAnomalies(db, p.projectId, "feature", "chat", 0)).mutedUntil).toBeNull();
    expect((await listAnomalies(db, p.projectId, 10)).every((x) => x.mutedUntil === null)).toBe(true);
    // bad input is a 400 naming the field (tRPC maps the schema's issues)
    const issue = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => r.error?.issues.map((i) => [i.path.join("."), i.message]);
    expect(issue(muteAnomaliesInputSchema.safeParse({ dim: "user", key: "x", hours: 1 }))).toEqual([["dim", "dim must be feature or model"]]);
    expect(issue(muteAnomaliesInputSchema.safeParse({ dim: "feature", key: "x", hours: 721 }))).toEqual([["hours", "hours must be at most 720 (30 days)"]]);
    expect(issue(deliveriesInputSchema.safeParse({ id: "1", kind: "spike" }))).toEqual([["kind", "kind must be budget or anomaly"]]);
  });
});
