// Two real app instances (next start) with their evaluators on, against a database of their own,
// one of them restarted while events cross the thresholds: every crossing is one alert row, and
// every alert reaches the webhook receiver (at least once; its alert id lets a receiver dedupe).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApiKey } from "~/server/auth/api-keys";
import { createDbClient } from "~/server/db";
import { startAppServer, type AppServer } from "~/test/app-server";
import { freshDatabase } from "~/test/auth";
import { describeWithHttp } from "~/test/integration";
import { createBudget, createChannel } from "./server";

let receiver: http.Server;
let receiverUrl = "";
const received: string[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { alertId: string }).alertId);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
});

describeWithHttp("budget evaluation across app instances", () => {
  it("two instances and a restart: one alert per budget, threshold and user, each delivered", { timeout: 240_000 }, async () => {
    const fresh = await freshDatabase();
    const client = createDbClient(fresh.url, { max: 2 });
    const servers: AppServer[] = [];
    try {
      const { projectId, key } = await createApiKey(client.db, "multi");
      await createChannel(client.db, projectId, { kind: "webhook", name: "hook", url: `${receiverUrl}/multi` }, true);
      await createBudget(client.db, projectId, { name: "day", amountUsd: "1", period: "day", scope: { kind: "project" }, thresholds: [25, 50, 75, 100] });
      await createBudget(client.db, projectId, { name: "per user", amountUsd: "0.3", period: "day", scope: { kind: "each_user" }, thresholds: [100] });
      const env = { DATABASE_URL: fresh.url, BUDGET_EVALUATOR_INTERVAL_MS: "300", NOTIFY_ALLOW_PRIVATE_TARGETS: "1", LOG_LEVEL: "error" };
      servers.push(await startAppServer(env), await startAppServer(env));
      for (let i = 0; i < 10; i++) {
        const target = servers[i % 2];
        if (!target) throw new Error("no server");
        const res = await fetch(`${target.url}/api/v1/events`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({ id: randomUUID(), provider: "openai", model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1, costUsd: "0.12", userId: `u${i % 3}` }),
        });
        expect(res.status).toBe(200);
        if (i === 4) {
          // restart instance 0 while the others keep evaluating and delivering
          await servers[0]?.stop();
          servers[0] = await startAppServer(env);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      // project: $1.20 crosses 25/50/75/100 %; users u0 ($0.48), u1 and u2 ($0.36) each cross their $0.30
      const expected = ["day::100", "day::25", "day::50", "day::75", "per user:u0:100", "per user:u1:100", "per user:u2:100"];
      let alerts: { key: string; id: string }[] = [];
      let delivered = 0;
      for (let t = 0; t < 300; t++) {
        alerts = (await client.sql<{ key: string; id: string }[]>`
          SELECT b.name || ':' || a.subject || ':' || a.threshold AS key, a.id::text AS id
          FROM budget_alerts a JOIN budgets b ON b.id = a.budget_id WHERE a.project_id = ${projectId} ORDER BY 1`).map((r) => ({ key: r.key, id: r.id }));
        [{ n: delivered } = { n: 0 }] = await client.sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM alert_deliveries WHERE project_id = ${projectId} AND status = 'delivered'`;
        if (alerts.length >= expected.length && delivered >= expected.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(alerts.map((a) => a.key)).toEqual(expected);
      expect(delivered).toBe(expected.length);
      const [{ d } = { d: 0 }] = await client.sql<{ d: number }[]>`SELECT count(*)::int AS d FROM alert_deliveries WHERE project_id = ${projectId}`;
      expect(d).toBe(expected.length); // one delivery per alert and channel
      expect([...new Set(received)].sort()).toEqual(alerts.map((a) => a.id).sort());
      // the instances evaluated through the shared lease (its token counts the holders it had)
      const [{ token } = { token: "0" }] = await client.sql<{ token: string }[]>`SELECT token::text FROM budget_evaluator_lease WHERE name = 'budgets'`;
      expect(Number(token)).toBeGreaterThanOrEqual(1);
    } finally {
      for (const s of servers) await s.stop();
      await client.sql.end({ timeout: 5 });
      await fresh.drop();
    }
  });
});
