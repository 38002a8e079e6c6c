// `npm start` as a newcomer runs it: the real entry point in a child process, on the embedded database. Each start
// gets a Redis of its own (REDIS_URL points where nothing answers, so the bot starts a private redis-server): its
// scheduler's queues must not meet another test's, or another helper's, on the shared Redis.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../app/redis.ts";
import { startFakeLongConnection } from "../fake-wecom/ws-server.ts";
import { createTestDatabase } from "../support/postgres.ts";

const root = new URL("../../", import.meta.url).pathname;
const dataDir = await mkdtemp(join(tmpdir(), "casebot-start-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the bot and resolves once it says it is running (or has exited). */
async function start(env: Record<string, string>): Promise<Started> {
  const REDIS_URL = `redis://127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, ["--import", "tsx", "app/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL, DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("casebot is running")) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(() => resolve());
  });
  return { child, output: () => output, exited };
}

async function stop(started: Started): Promise<number | null> {
  started.child.kill("SIGTERM");
  return started.exited;
}

/** The first event of `type` the local console shows (its event stream replays what was already pushed). */
async function firstConsoleEvent(base: string, type: string, timeoutMs: number): Promise<{ text: string }> {
  const aborter = new AbortController();
  const timer = setTimeout(() => aborter.abort(), timeoutMs);
  try {
    const res = await fetch(`${base}/console/events`, { signal: aborter.signal });
    const reader = res.body?.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) throw new Error(`the console's stream ended without a ${type}`);
      text += decoder.decode(chunk.value, { stream: true });
      for (const line of text.split("\n").slice(0, -1)) {
        if (!line.startsWith("data: ")) continue;
        const event = JSON.parse(line.slice("data: ".length)) as { type: string; text: string };
        if (event.type === type) return event;
      }
    }
  } finally {
    clearTimeout(timer);
    aborter.abort();
  }
}

/** The value of one sample line of /metrics ("name{labels} value"), 0 when absent. */
function metric(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe("npm start", () => {
  it("comes up on the embedded database with demo data and its scheduler, and a second start keeps the data", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Reminders at any hour and day, so the demo's due and overdue cases are reminded at once.
    const first = await start({ PORT: String(port), NOTIFY_HOURS: "always", NOTIFY_WORKDAYS_ONLY: "false" });
    expect(first.output()).toContain("casebot is running");
    expect(first.output()).toMatch(
      /embedded PostgreSQL \(PGlite\).*migrations applied now: 20261123000000_init, 20261123100000_inbound_messages/,
    );
    expect(first.output()).toMatch(/demo data +loaded into the empty database because no WeCom credentials/);
    expect(first.output()).toMatch(new RegExp(`console +http://127\\.0\\.0\\.1:${port}/ +— the local console`));
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, checks: { database: "ok", redis: "ok" } });
    expect(first.output()).toMatch(/scheduler +3 queues on Redis \(casebot-tick, casebot-notices, casebot-reminders\)/);
    expect(first.output()).toMatch(/scheduler .*reminders at any hour \(Asia\/Shanghai\)/);
    expect(first.output()).toMatch(
      /ops +.*\/metrics \(Prometheus\); queue dashboard and admin API off: set ADMIN_TOKEN/,
    );

    // The scheduler's first tick reminds the demo's units; the console shows it as WeCom would. (A weekend or
    // holiday has no reminders: then the week's progress digest comes, on the tick after, within 30 s.)
    const notice = await firstConsoleEvent(base, "notice", 60_000);
    expect(notice.text).toMatch(/^\*\*【/); // a notice's bold title
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const sent = ["reminder", "notice"].map((kind) =>
      metric(metrics, `casebot_pushes_total{kind="${kind}",channel="console",outcome="sent"}`),
    );
    expect(sent.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(metrics).toMatch(/^casebot_queue_jobs\{queue="casebot-tick",state="delayed"\} \d+$/m);
    expect(metrics).toMatch(/^casebot_outbox_pending \d+$/m);
    expect(metrics).toMatch(/^casebot_reminder_slots_pending \d+$/m);
    const dashboard = await fetch(`${base}/admin/queues`);
    expect(dashboard.status).toBe(404);
    expect(await dashboard.text()).toContain("set ADMIN_TOKEN");
    // SIGTERM: the workers finish what they hold and every connection closes; the process exits by itself.
    expect(await stop(first)).toBe(0);

    const token = "start-test-token-0123456789";
    const second = await start({ PORT: String(port), ADMIN_TOKEN: token });
    expect(second.output()).toContain("migrations up to date");
    expect(second.output()).toMatch(/demo data +kept: the database already holds \d+ cases/);
    expect(second.output()).toContain("/admin/queues (queue dashboard: open ?token=<ADMIN_TOKEN> once)");
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
    const authorized = { headers: { authorization: `Bearer ${token}` } };
    expect((await fetch(`${base}/metrics`, authorized)).status).toBe(200);
    expect((await fetch(`${base}/admin/queues/api/queues`, authorized)).status).toBe(200);
    expect(await stop(second)).toBe(0);
  }, 180_000);

  it("never loads demo data when WeCom credentials are set", async () => {
    const database = await createTestDatabase();
    try {
      const started = await start({
        PORT: String(await freePort()),
        DATABASE_URL: database.url,
        WECOM_WEBHOOK_URL: "http://127.0.0.1:9/cgi-bin/webhook/send?key=test",
      });
      expect(started.output()).toContain("not loaded: WeCom is configured");
      expect(await database.db.case.count()).toBe(0);
      expect(await stop(started)).toBe(0);
    } finally {
      await database.drop();
    }
  }, 60_000);

  it("connects to WeCom's long connection when credentials are set, says so, and serves no console", async () => {
    const wecom = await startFakeLongConnection();
    const database = await createTestDatabase();
    try {
      const port = await freePort();
      const started = await start({
        PORT: String(port),
        DATABASE_URL: database.url,
        WECOM_BOT_ID: wecom.botId,
        WECOM_BOT_SECRET: wecom.secret,
        WECOM_WS_URL: wecom.url,
      });
      expect(started.output()).toContain(`long connection to ${wecom.url} connected`);
      expect(started.output()).not.toContain("local console");
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ ok: true, checks: { database: "ok", redis: "ok", wecom: "ok" } });
      expect(await stop(started)).toBe(0);
    } finally {
      await database.drop();
      await wecom.close();
    }
  }, 60_000);

  it("refuses bad configuration with one line per bad value, and starts nothing", async () => {
    const started = await start({ PORT: "http", NOTIFY_HOURS: "morning" });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain("casebot cannot start");
    expect(started.output()).toMatch(/PORT \(got "http"\)/);
    expect(started.output()).toMatch(/NOTIFY_HOURS \(got "morning"\): must be "HH:MM-HH:MM"/);
  }, 30_000);
});
