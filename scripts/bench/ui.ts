// npm run bench:ui [-- --events 1000000] [--days 30] [--runs 5] [--rows 10000] [--pg URL] [--keep]
//                  [--db URL: a database a --keep run left, already seeded (not dropped)]
// The dashboard in headless Chromium against `next start` on a fresh local PostgreSQL seeded with
// --events calls through the ingestion service, signed in like a user (an owner made as
// `npm run users:create` does, then the sign-in page): time to first rendered rows on the events
// page, to the overview's first rows and to its chart, and the frame rate and DOM size while
// scrolling the events table through --rows rows.
import { randomBytes } from "node:crypto";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { createApiKey } from "~/server/auth/api-keys";
import { ensureUser } from "~/server/auth/users";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient } from "~/server/db";
import { foldAll } from "~/server/rollups/fold";
import { startAppServer, type AppServer } from "~/test/app-server";
import { intArg } from "../lib/args";
import { assertLocalDatabase, createFreshDatabase, type FreshDatabase } from "../lib/fresh-db";
import { seedEvents } from "../lib/seed";
import { verdict } from "./lib/load";

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const ROW = ".vtable-body [role=row][data-row-id]";
const OVERVIEW_ROW = ".mini-table tbody tr a";
const CHART_BAR = ".chart-box .recharts-bar-rectangle";
const OWNER_EMAIL = "bench-owner@bench.test";
const PX_PER_FRAME = 240; // 6 rows a frame: 360 rows/s at 60 fps, a brisk scroll-wheel fling

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (x: number) => `${x.toFixed(0)} ms`;

/**
 * Milliseconds from navigation to each selector being visible, then waits until the page's own
 * requests are over (network idle: the savings headline computes clusters after the first render)
 * and says when that was: the next run starts on a server that is not still busy with this one.
 */
async function timeToVisible(page: Page, url: string, selectors: string[]): Promise<{ visible: number[]; settled: number }> {
  const t0 = performance.now();
  await page.goto(url, { waitUntil: "commit" });
  const visible = await Promise.all(
    selectors.map(async (selector) => {
      await page.waitForSelector(selector, { state: "visible", timeout: 30_000 });
      return performance.now() - t0;
    }),
  );
  await page.waitForLoadState("networkidle", { timeout: 60_000 });
  // Network idle is reported after 500 ms without a request: the last one ended that much earlier.
  return { visible, settled: performance.now() - t0 - 500 };
}

/** Signs in through the real sign-in page, as a user would; fails loudly when it cannot. */
async function signIn(context: BrowserContext, password: string): Promise<void> {
  const page = await context.newPage();
  try {
    await page.goto("/");
    await page.waitForURL(/\/sign-in/, { timeout: 30_000 });
    await page.getByLabel("Email").fill(OWNER_EMAIL);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor({ state: "visible", timeout: 30_000 });
  } catch (err) {
    throw new Error(`could not sign in through /sign-in (at ${page.url()}): ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await page.close();
  }
}

type ScrollResult = { frames: number; seconds: number; fps: number; p95FrameMs: number; worstFrameMs: number; maxRowsInDom: number; rowsReached: number };

/** Scrolls the events table frame by frame (requestAnimationFrame) until row `target` is rendered. */
async function scrollFps(page: Page, target: number): Promise<ScrollResult> {
  await page.goto("/events");
  await page.waitForSelector(ROW);
  // A string, not a function: the bundler's helpers (keepNames) do not exist inside the page.
  return page.evaluate<ScrollResult>(`(async () => {
      const target = ${target}, px = ${PX_PER_FRAME}, row = ${JSON.stringify(ROW)};
      const body = document.querySelector(".vtable-body");
      if (!body) throw new Error("no table body");
      const deltas = [];
      let maxRows = 0, reached = 0, last = performance.now();
      const start = last, deadline = last + 120000;
      await new Promise((resolve) => {
        function frame(t) {
          deltas.push(t - last);
          last = t;
          const rows = document.querySelectorAll(row);
          maxRows = Math.max(maxRows, rows.length);
          const lastRow = rows[rows.length - 1];
          reached = Math.max(reached, Number(lastRow ? lastRow.getAttribute("aria-rowindex") : 0) - 1);
          if (reached >= target || t > deadline) return resolve();
          body.scrollTop += px;
          requestAnimationFrame(frame);
        }
        requestAnimationFrame(frame);
      });
      const seconds = (performance.now() - start) / 1000;
      const sorted = deltas.slice(1).sort((a, b) => a - b);
      return {
        frames: deltas.length, seconds, fps: deltas.length / seconds,
        p95FrameMs: sorted[Math.floor(sorted.length * 0.95)], worstFrameMs: sorted[sorted.length - 1],
        maxRowsInDom: maxRows, rowsReached: reached,
      };
    })()`);
}

/** The owner of project "default" (what `npm run users:create -- --role owner` makes), with a fresh password. */
async function ensureOwner(url: string, password: string): Promise<void> {
  const client = createDbClient(url, { max: 1 });
  try {
    await ensureUser(client.db, { email: OWNER_EMAIL, password, projectName: "default", role: "owner" });
  } finally {
    await client.sql.end({ timeout: 5 });
  }
}

async function seed(db: FreshDatabase, events: number, days: number): Promise<void> {
  const client = createDbClient(db.url, { max: 4 });
  try {
    await prepareSchema(db.url, client);
    const { projectId } = await createApiKey(client.db, "default", "bench-ui");
    console.log(`[bench:ui] seeding ${events.toLocaleString("en-US")} events over ${days} days into ${db.name}…`);
    let shown = 0;
    const seeded = await seedEvents(client, projectId, events, {
      seed: 1,
      days,
      idPrefix: "bench-ui",
      onProgress: (done) => {
        if (done - shown >= 250_000) {
          shown = done;
          console.log(`  ${done.toLocaleString("en-US")}`);
        }
      },
    });
    console.log(`[bench:ui] seeded ${seeded.accepted.toLocaleString("en-US")} in ${seeded.seconds.toFixed(1)} s`);
  } finally {
    await client.sql.end({ timeout: 5 });
  }
}

/**
 * Folds every seeded event into the rollups before the server starts, as bench:query does: the
 * figures are the dashboard's on a server that has caught up, not while its folder works through
 * a backlog of a million events (which also takes the CPU the browser and the server need).
 */
async function foldBacklog(url: string): Promise<void> {
  const client = createDbClient(url, { max: 1 });
  try {
    const t0 = performance.now();
    const folded = await foldAll(client.sql);
    await client.sql.unsafe("VACUUM ANALYZE");
    console.log(`[bench:ui] folded ${folded.toLocaleString("en-US")} events into the rollups in ${((performance.now() - t0) / 1000).toFixed(1)} s (then VACUUM ANALYZE)`);
  } finally {
    await client.sql.end({ timeout: 5 });
  }
}

export async function run(args: Map<string, string>, signal: AbortSignal): Promise<number> {
  const events = intArg(args, "events", 1_000_000);
  const days = intArg(args, "days", 30);
  const runs = intArg(args, "runs", 5);
  const rows = intArg(args, "rows", 10_000);
  const adminUrl = args.get("pg") ?? "postgres://postgres@127.0.0.1:5432/postgres";
  let db: FreshDatabase | null = null;
  let server: AppServer | null = null;
  let browser: Browser | null = null;
  try {
    const reuse = args.get("db");
    db = reuse
      ? { url: assertLocalDatabase(reuse).toString(), name: "(reused)", drop: () => Promise.resolve() }
      : await createFreshDatabase(adminUrl, "acp_bench_ui");
    if (!reuse) await seed(db, events, days);
    if (signal.aborted) return 130;
    await foldBacklog(db.url);
    if (signal.aborted) return 130;
    const password = randomBytes(18).toString("base64url");
    await ensureOwner(db.url, password);

    // The embedding worker would compete for the 2 cores; the dashboard does not need it here.
    server = await startAppServer({ DATABASE_URL: db.url, EMBEDDING_WORKER: "off", RATE_LIMIT_DISABLED: "1" });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
    await signIn(context, password);
    const page = await context.newPage();

    const measure = async (labels: string[], url: string, selectors: string[]) => {
      // Warm-up: the route's first render (its server code loaded, the clusters behind the savings
      // headline computed and kept for 60 s); shown apart, not in the medians.
      const cold = await timeToVisible(page, url, selectors);
      const runsOf: number[][] = selectors.map(() => []);
      const settled: number[] = [];
      for (let i = 0; i < runs && !signal.aborted; i++) {
        const r = await timeToVisible(page, url, selectors);
        r.visible.forEach((t, j) => runsOf[j]?.push(t));
        settled.push(r.settled);
      }
      const line = (label: string, times: number[]) =>
        console.log(`${label.padEnd(38)} median ${ms(median(times))}  (runs: ${times.map((t) => t.toFixed(0)).join(", ")} ms)`);
      const medians = runsOf.map((times, j) => {
        line(labels[j] ?? "", times);
        return median(times);
      });
      line(`${url === "/" ? "overview" : url.slice(1)}: last request done`, settled);
      console.log(`${"  first visit (warm-up, cold caches)".padEnd(38)} ${[...cold.visible, cold.settled].map((t) => `${t.toFixed(0)} ms`).join(" / ")}  (${[...labels.map((l) => l.split(": ")[1] ?? l), "last request done"].join(" / ")})`);
      return medians;
    };
    const [eventsFirst = NaN] = await measure(["events: first rows after navigation"], "/events", [ROW]);
    const [overviewFirst = NaN, overviewChart = NaN] = await measure(
      ["overview: first rows after navigation", "overview: chart drawn after navigation"],
      "/",
      [OVERVIEW_ROW, CHART_BAR],
    );
    const scroll = await scrollFps(page, rows);
    console.log(
      `events: scroll to row ${scroll.rowsReached.toLocaleString("en-US")}: ${scroll.fps.toFixed(1)} fps over ${scroll.seconds.toFixed(1)} s ` +
        `(${scroll.frames} frames, p95 frame ${scroll.p95FrameMs.toFixed(1)} ms, worst ${scroll.worstFrameMs.toFixed(0)} ms), ` +
        `max ${scroll.maxRowsInDom} row elements in the DOM`,
    );
    console.log(`target events first rows ≤ 1 s:          ${verdict(eventsFirst <= 1000)}`);
    console.log(`target overview first rows and chart ≤ 1 s: ${verdict(overviewFirst <= 1000 && overviewChart <= 1000)}`);
    console.log(`target scroll ≥ 50 fps, ≤ 200 rows in the DOM: ${verdict(scroll.fps >= 50 && scroll.maxRowsInDom <= 200 && scroll.rowsReached >= rows)}`);
    return 0;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (db && !args.has("keep") && !args.has("db")) await db.drop().catch((err: unknown) => console.error("[bench:ui] drop failed", err));
    else if (db) console.log(`[bench:ui] kept database ${db.url}`);
  }
}
