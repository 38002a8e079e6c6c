// The jobs on real BullMQ and Redis, two instances at once, a wiped Redis, a failing WeCom: every pending notice and
// reminder slot is delivered, none twice. Business time is a clock fixed at a Monday morning that moves in real time.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Notice, PushChannel } from "../../bot/message.ts";
import { createSlidingWindow, realClock } from "../../bot/rate-limit.ts";
import { createWebhookChannel, WEBHOOK_LIMIT, WEBHOOK_WINDOW_MS } from "../../bot/webhook.ts";
import { enqueueNotice } from "../../casework/events.ts";
import { type RunningJobs, startJobs, TICK_QUEUE } from "../../jobs/index.ts";
import { sentinelKey } from "../../jobs/recovery.ts";
import { startFakeWecomHttp } from "../fake-wecom/http-server.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { addAssignment, clearScheduledWork, seedWorld, shanghai, type World } from "./fixture.ts";
import { silentLog } from "./log.ts";

let database: TestDatabase;
let redis: TestRedis;
let world: World;
const running: RunningJobs[] = [];

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  world = await seedWorld(database.db, 3);
});
afterAll(async () => {
  await Promise.all([database?.drop(), redis?.cleanup()]);
});
beforeEach(async () => {
  await clearScheduledWork(database.db);
  await wipePrefix();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

const base = shanghai("2026-04-13 10:00").getTime();
const started = Date.now();
/** Monday 2026-04-13 10:00 in Shanghai, moving with real time (leases and retries expire). */
const businessClock = { now: () => base + (Date.now() - started), sleep: realClock.sleep };

async function wipePrefix() {
  let cursor = "0";
  do {
    const [next, keys] = await redis.redis.scan(cursor, "MATCH", `${redis.prefix}*`, "COUNT", 1000);
    if (keys.length) await redis.redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function start(push: PushChannel, extra: { retryMs?: number; tickEveryMs?: number } = {}) {
  const jobs = await startJobs({
    db: database.db,
    redisUrl: redis.url,
    prefix: redis.prefix,
    push,
    clock: businessClock,
    notify: { timeZone: "Asia/Shanghai", hours: "09:00-17:30", workdaysOnly: true },
    log: silentLog,
    tickEveryMs: extra.tickEveryMs ?? 500,
    watchdogMs: 200,
    retryMs: extra.retryMs ?? 60_000,
  });
  running.push(jobs);
  return jobs;
}

/** Open duties due today (so each has one reminder slot) for the three units, plus a 交办 notice for each. */
async function seedDue(count: number) {
  const numbers: string[] = [];
  for (let i = 0; i < count; i++) {
    const a = await addAssignment(database.db, world, { unit: i % 3, signDeadline: "2026-04-13" });
    numbers.push(a.case.number);
    await database.db.$transaction((tx) =>
      enqueueNotice(tx, {
        kind: "ASSIGNED",
        dedupeKey: `assigned:${a.id}`,
        assignmentId: a.id,
        unitId: a.unitId,
        payload: {},
        availableAt: new Date(businessClock.now()),
      }),
    );
  }
  return numbers;
}

function recorder() {
  const sent: Notice[] = [];
  return { sent, push: async (n: Notice) => void sent.push(n) };
}

/** Case numbers in reminder lines and in 交办 headers, across every message. */
function delivered(messages: string[]) {
  const reminders = messages.flatMap((m) => m.split("\n").filter((l) => l.startsWith("> ") && /签收期限\d/.test(l)));
  const notices = messages.flatMap((m) => m.split("\n").filter((l) => l.startsWith("**【交办】")));
  const num = (l: string) => /第(\d+)号提案/.exec(l)?.[1] ?? "?";
  return { reminders: reminders.map(num).sort(), notices: notices.map(num).sort() };
}

async function allDone() {
  const [slots, rows] = await Promise.all([
    database.db.reminderSlot.count({ where: { status: { not: "SENT" } } }),
    database.db.outbox.count({ where: { status: { not: "SENT" } } }),
  ]);
  return slots === 0 && rows === 0 && (await database.db.reminderSlot.count()) > 0;
}

describe("jobs on BullMQ", () => {
  it("deliver everything once with two instances running side by side", async () => {
    const numbers = await seedDue(30);
    const channel = recorder();
    await Promise.all([start(channel), start(channel)]);
    await waitFor(allDone);
    await new Promise((r) => setTimeout(r, 1500)); // a few more ticks on both: still nothing twice
    const got = delivered(channel.sent.map((n) => n.markdown));
    expect(got.reminders).toEqual([...numbers].sort());
    expect(got.notices).toEqual([...numbers].sort());
    // One reminder digest per unit group, or two when both instances leased part of a group's slots at once.
    const digests = channel.sent.filter((n) => n.markdown.includes("督办提醒")).length;
    expect(digests).toBeGreaterThanOrEqual(3);
    expect(digests).toBeLessThanOrEqual(6);
  });

  it("rebuild a wiped Redis from PostgreSQL: every pending slot is still delivered, none twice", async () => {
    const first = await seedDue(6);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let blocked = false;
    const channel = recorder();
    const push = async (n: Notice) => {
      if (!blocked) {
        blocked = true;
        await gate; // the first push hangs while Redis is wiped under it
      }
      await channel.push(n);
    };
    const jobs = await start({ push }, { tickEveryMs: 1000 });
    await waitFor(async () => blocked);
    await wipePrefix();
    expect(await redis.redis.exists(sentinelKey(redis.prefix))).toBe(0);
    await waitFor(async () => (await redis.redis.exists(sentinelKey(redis.prefix))) === 1);
    // New work after the wipe can only go out through the rebuilt scheduler.
    const later = await seedDue(3);
    release();
    await waitFor(allDone);
    const got = delivered(channel.sent.map((n) => n.markdown));
    expect(got.reminders).toEqual([...first, ...later].sort());
    expect(got.notices).toEqual([...first, ...later].sort());
    const tickQueue = jobs.queues.find((q) => q.name === TICK_QUEUE);
    expect((await tickQueue?.getJobSchedulers())?.map((s) => s.key)).toContain("casebot-tick");
  });

  it("deliver after the fake WeCom answered 5xx for a while", async () => {
    const numbers = await seedDue(6);
    const wecom = await startFakeWecomHttp({ keys: ["k1", "k2", "k3", "office"] });
    const keyOf: Record<string, string> = {
      "chat-unit-1": "k1",
      "chat-unit-2": "k2",
      "chat-unit-3": "k3",
      "chat-office": "office",
    };
    try {
      const push = createWebhookChannel({
        webhookFor: async (chatId) => (chatId && keyOf[chatId] ? wecom.webhookUrl(keyOf[chatId]) : undefined),
        limiter: createSlidingWindow({
          redis: redis.redis,
          prefix: redis.prefix,
          limit: WEBHOOK_LIMIT,
          windowMs: WEBHOOK_WINDOW_MS,
        }),
        maxAttempts: 2,
        backoffMs: 10,
        onRobotRemoved: () => {},
        log: silentLog,
      });
      wecom.failNext(10, { status: 502 });
      await start(push, { retryMs: 300 });
      await waitFor(allDone);
      const bodies = ["k1", "k2", "k3"].flatMap((k) =>
        wecom.sent(k).map((r) => (r.body as { markdown: { content: string } }).markdown.content),
      );
      const got = delivered(bodies);
      expect(got.reminders).toEqual([...numbers].sort());
      expect(got.notices).toEqual([...numbers].sort());
      expect(wecom.rejected().filter((r) => typeof r.answer === "object" && r.answer.status === 502)).toHaveLength(10);
    } finally {
      await wecom.close();
    }
  });
});
