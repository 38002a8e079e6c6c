// Benchmark of the scheduler (issue 5): the tick against 100,000 and 1,000,000 open assignments (the first tick of
// the day, which claims the day's reminder slots, and a steady-state tick with nothing new), the Redis memory the
// scheduler's BullMQ keys take with the day's jobs enqueued (on a private redis-server, so the figure is ours alone),
// and the lateness of reminders due at the opening of office hours, pushed by the real workers through the real
// webhook channel and its Redis sliding window to the fake WeCom.
//
// Figures per size (_100k, _1000k): slotsYesterday (already delivered, as in a running system), firstTickMs and
// firstTickSlots (the 09:00 tick, median of 3; a tick writes at most CLAIM_PER_TICK slots), slotsToday, claimTicks,
// claimSlowestTickMs and claimAllMs (the whole day's claim, tick after tick), steadyTickMs (median of 5 ticks with
// nothing new), reminderJobs with redisKeys, redisKeyBytesKB (MEMORY USAGE summed over the prefix) and
// redisUsedMemoryDeltaKB (INFO used_memory, connections included). Lateness: arrival at the fake WeCom − 09:00, per
// reminder line, with ticks every latenessTickEveryMs.

import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import type { PushChannel } from "../bot/message.ts";
import { createSlidingWindow, realClock } from "../bot/rate-limit.ts";
import { createWebhookChannel, WEBHOOK_LIMIT, WEBHOOK_WINDOW_MS } from "../bot/webhook.ts";
import { createDb, type Db } from "../db/client.ts";
import { addWorkingDays, type CalendarDate } from "../domain/calendar.ts";
import { loadRouting } from "../jobs/chats.ts";
import { claimDueSlots } from "../jobs/claim-slots.ts";
import type { JobContext } from "../jobs/context.ts";
import { REMINDERS_QUEUE, runTick, startJobs } from "../jobs/index.ts";
import { startFakeWecomHttp } from "../test/fake-wecom/http-server.ts";
import { createTestDatabase } from "../test/support/postgres.ts";
import { percentile } from "./figures.ts";
import { type PrivateRedis, startPrivateRedis } from "./private-redis.ts";
import { generateCases, seedScheduleWorld, withClient } from "./scheduler-data.ts";

/** A Wednesday and a working day: not the week's first, whose tick also writes the weekly 进度 digest. */
export const BENCH_DAY: CalendarDate = "2026-11-25";
/** Open assignments to measure at (two per case). */
const SIZES = (process.env.BENCH_SCHEDULER_SIZES ?? "100000,1000000").split(",").map(Number);
/** Lateness run: groups, and reminders due for each at 09:00 (a digest of one or two messages per group). */
const GROUPS = 15;
const DUE_PER_GROUP = 40;
/** The lateness run's tick interval (startJobs' tickEveryMs); the default is 30 s. */
const LATENESS_TICK_MS = 1000;

const silent = pino({ level: "silent" });
const NOTIFY = { timeZone: "Asia/Shanghai", hours: "09:00-17:30", workdaysOnly: true };

/** A moment on the bench day in Shanghai time: "09:00:30". */
const at = (time: string) => new Date(`${BENCH_DAY}T${time}+08:00`).getTime();
/** Business time that starts at `start` and moves with real time. */
const movingClock = (start: number) => {
  const origin = Date.now();
  return { now: () => start + (Date.now() - origin), sleep: realClock.sleep };
};
const fixedClock = (moment: number) => ({ now: () => moment, sleep: realClock.sleep });
const round = (ms: number) => Math.round(ms);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const nowhere: PushChannel = {
  async push() {
    throw new Error("the tick benchmark pushes nothing");
  },
};

function tickContext(db: Db, clock: JobContext["clock"], push: PushChannel = nowhere): JobContext {
  return { db, push, clock, notify: NOTIFY, log: silent, leaseMs: 15 * 60_000, retryMs: 60_000 };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

/**
 * Redis memory of the scheduler with the day's jobs enqueued: startJobs on an empty private Redis, its start tick
 * enqueues one digest job per chat, whose push is held until measured. INFO used_memory before and after, and the
 * MEMORY USAGE of every key under the prefix.
 */
async function schedulerMemory(db: Db, redis: PrivateRedis, expectedJobs: number) {
  await redis.redis.flushall();
  const before = await redis.usedMemory();
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const jobs = await startJobs({
    db,
    redisUrl: redis.url,
    prefix: "casebot",
    push: { push: () => held },
    clock: movingClock(at("09:00:10")),
    notify: NOTIFY,
    log: silent,
    sendConcurrency: 1,
  });
  try {
    const reminders = jobs.queues.find((q) => q.name === REMINDERS_QUEUE);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const counts = await reminders?.getJobCounts("waiting", "active", "delayed", "prioritized");
      const queued = Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
      if (queued >= expectedJobs) break;
      if (Date.now() > deadline) throw new Error(`only ${queued} of ${expectedJobs} reminder jobs were enqueued`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await redis.usedMemory();
    let keys = 0;
    let bytes = 0;
    for await (const batch of redis.redis.scanStream({ match: "casebot:*", count: 1000 })) {
      for (const key of batch as string[]) {
        keys += 1;
        bytes += Number((await redis.redis.memory("USAGE", key)) ?? 0);
      }
    }
    return { usedMemoryDelta: after - before, keys, keyBytes: bytes };
  } finally {
    release();
    await jobs.stop();
  }
}

/**
 * A running system's state on the bench morning: yesterday's slots (including every escalation already due) were
 * claimed and delivered, and today's are not claimed yet.
 */
async function yesterdayDelivered(db: Db, url: string): Promise<number> {
  await withClient(url, (c) => c.query(`TRUNCATE "ReminderSlot"`));
  const yesterday = addWorkingDays(BENCH_DAY, -1);
  const slots = await claimDueSlots(db, yesterday, await loadRouting(db), silent, 10_000_000);
  await withClient(url, async (c) => {
    await c.query(`UPDATE "ReminderSlot" SET status = 'SENT', "sentAt" = now()`);
    await c.query(`VACUUM ANALYZE "ReminderSlot"`);
  });
  return slots;
}

const forgetToday = (url: string) =>
  withClient(url, (c) => c.query(`DELETE FROM "ReminderSlot" WHERE status <> 'SENT'`));

/** The tick figures at each size, the record growing from one size to the next. */
async function benchTick(redis: PrivateRedis): Promise<Record<string, number>> {
  const database = await createTestDatabase();
  const db = createDb(database.url, { poolSize: 4 });
  const figures: Record<string, number> = {};
  const tick = (moment: number) => timed(() => runTick(tickContext(db, fixedClock(moment))));
  try {
    await seedScheduleWorld(database.url, BENCH_DAY);
    let cases = 0;
    for (const size of SIZES) {
      const [, generateMs] = await timed(() => generateCases(database.url, BENCH_DAY, cases, size / 2));
      cases = size / 2;
      // As autovacuum leaves a table that has settled: statistics and the visibility map up to date.
      await withClient(database.url, (c) => c.query(`VACUUM ANALYZE`));
      const k = `${size / 1000}k`;
      process.stdout.write(`bench: scheduler: ${size} open assignments generated in ${round(generateMs)} ms\n`);
      figures[`slotsYesterday_${k}`] = await yesterdayDelivered(db, database.url);
      // Before office hours the tick only looks at the Outbox: the process is warm when 09:00 comes.
      await tick(at("08:59:30"));

      // The first tick of the day, three times over (today's claim undone in between): the median.
      const firsts: number[] = [];
      for (let run = 0; run < 3; run++) {
        await forgetToday(database.url);
        const [first, ms] = await tick(at("09:00:00"));
        firsts.push(ms);
        figures[`firstTickSlots_${k}`] = first.newSlots;
        figures[`firstTickReminderJobs_${k}`] = first.reminders.length;
      }
      figures[`firstTickMs_${k}`] = round(median(firsts));

      // The whole day's claim, tick after tick (30 s apart) until a tick finds nothing new.
      await forgetToday(database.url);
      let claimTicks = 0;
      let claimMs = 0;
      let slotsToday = 0;
      let slowest = 0;
      for (let second = 0; ; second += 30) {
        const [plan, ms] = await tick(at("09:00:00") + second * 1000);
        if (plan.newSlots === 0) break;
        claimTicks += 1;
        claimMs += ms;
        slowest = Math.max(slowest, ms);
        slotsToday += plan.newSlots;
      }
      figures[`slotsToday_${k}`] = slotsToday;
      figures[`claimTicks_${k}`] = claimTicks;
      figures[`claimSlowestTickMs_${k}`] = round(slowest);
      figures[`claimAllMs_${k}`] = round(claimMs);

      const [enqueued] = await tick(at("09:30:00"));
      const memory = await schedulerMemory(db, redis, enqueued.reminders.length);
      figures[`reminderJobs_${k}`] = enqueued.reminders.length;
      figures[`redisUsedMemoryDeltaKB_${k}`] = Math.round(memory.usedMemoryDelta / 1024);
      figures[`redisKeys_${k}`] = memory.keys;
      figures[`redisKeyBytesKB_${k}`] = Math.round(memory.keyBytes / 1024);

      // Steady state: the day's slots were delivered; later ticks find nothing new.
      await withClient(database.url, (c) =>
        c.query(`UPDATE "ReminderSlot" SET status = 'SENT', "sentAt" = now(), "leaseUntil" = NULL`),
      );
      const steady: number[] = [];
      for (const time of ["10:00:00", "10:00:30", "10:01:00", "10:01:30", "10:02:00"]) {
        const [plan, ms] = await tick(at(time));
        if (plan.newSlots !== 0 || plan.reminders.length !== 0) throw new Error("a steady tick found new work");
        steady.push(ms);
      }
      figures[`steadyTickMs_${k}`] = round(median(steady));
    }
    return figures;
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

/**
 * GROUPS unit groups, each with its own webhook robot and DUE_PER_GROUP reminders due at 09:00 (T-3, T-1, due
 * today, overdue); the jobs start at 08:59:57 and every push's arrival at the fake WeCom is compared with 09:00.
 */
async function benchLateness(redis: PrivateRedis): Promise<Record<string, number>> {
  await redis.redis.flushall();
  const database = await createTestDatabase();
  const db = createDb(database.url, { poolSize: 4 });
  const clock = movingClock(at("08:59:57"));
  const keys = Array.from({ length: GROUPS }, (_, i) => `robot-${i + 1}`);
  const wecom = await startFakeWecomHttp({ clock, keys: [...keys, "robot-office"] });
  const limiterRedis = redis.redis.duplicate();
  try {
    await seedScheduleWorld(database.url, BENCH_DAY);
    const deadlines = [
      addWorkingDays(BENCH_DAY, 3),
      addWorkingDays(BENCH_DAY, 1),
      BENCH_DAY,
      addWorkingDays(BENCH_DAY, -1),
    ];
    await withClient(database.url, async (c) => {
      for (const [i, key] of keys.entries()) {
        await c.query(`UPDATE "GroupChat" SET "webhookUrl" = $1 WHERE "chatId" = $2`, [
          wecom.webhookUrl(key),
          `chat-unit-${i + 1}`,
        ]);
      }
      await c.query(`UPDATE "GroupChat" SET "webhookUrl" = $1 WHERE "isOffice"`, [wecom.webhookUrl("robot-office")]);
      await c.query(
        `INSERT INTO "Case" (id, kind, "sessionId", number, title, "assignedOn", "updatedAt")
         SELECT i, 'PROPOSAL', 2, lpad(i::text, 4, '0'), '关于第' || i || '项民生事项的提案', $1::date - 90, now()
         FROM generate_series(1, ${GROUPS * DUE_PER_GROUP}) i`,
        [BENCH_DAY],
      );
      await c.query(
        `INSERT INTO "Assignment" ("caseId", "unitId", role, state, "signedAt", "signDeadline", "adjustDeadline",
           "replyDeadline", "updatedAt")
         SELECT i, 1 + (i - 1) % ${GROUPS}, 'LEAD', 'IN_PROGRESS', now(), $1::date - 85, $1::date - 85,
           ($2::date[])[1 + i % 4], now()
         FROM generate_series(1, ${GROUPS * DUE_PER_GROUP}) i`,
        [BENCH_DAY, deadlines],
      );
    });
    const channel = createWebhookChannel({
      webhookFor: async (chatId) =>
        chatId ? ((await db.groupChat.findUnique({ where: { chatId } }))?.webhookUrl ?? undefined) : undefined,
      limiter: createSlidingWindow({
        redis: limiterRedis,
        prefix: "casebot",
        limit: WEBHOOK_LIMIT,
        windowMs: WEBHOOK_WINDOW_MS,
        clock,
      }),
      clock,
      onRobotRemoved: () => {},
      log: silent,
    });
    const jobs = await startJobs({
      db,
      redisUrl: redis.url,
      prefix: "casebot",
      push: channel,
      clock,
      notify: NOTIFY,
      log: silent,
      tickEveryMs: LATENESS_TICK_MS,
    });
    try {
      const expected = GROUPS * DUE_PER_GROUP;
      const deadline = Date.now() + 90_000;
      for (;;) {
        const sent = await db.reminderSlot.count({ where: { status: "SENT" } });
        if (sent >= expected) break;
        if (Date.now() > deadline) throw new Error(`only ${sent} of ${expected} reminders were sent`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await jobs.stop();
    }
    const due = at("09:00:00");
    const late: number[] = [];
    let messages = 0;
    for (const key of keys) {
      for (const request of wecom.sent(key)) {
        messages += 1;
        const body = request.body as { markdown: { content: string } };
        const lines = body.markdown.content.split("\n").filter((l) => l.startsWith("> ")).length;
        for (let i = 0; i < lines; i++) late.push(request.at - due);
      }
    }
    late.sort((a, b) => a - b);
    return {
      latenessTickEveryMs: LATENESS_TICK_MS,
      latenessGroups: GROUPS,
      latenessReminders: late.length,
      latenessMessages: messages,
      latenessRejected: wecom.rejected().length,
      latenessP50Ms: round(percentile(late, 50)),
      latenessP99Ms: round(percentile(late, 99)),
      latenessMaxMs: round(late.at(-1) ?? Number.NaN),
    };
  } finally {
    limiterRedis.disconnect();
    await wecom.close();
    await db.$disconnect();
    await database.drop();
  }
}

/**
 * The figures under the names the report promises (interface.md): at the largest size run, the first tick of the day
 * (the one that claims slots) and the scheduler's Redis keys in MB; the reminder lateness p99.
 */
function stableFigures(figures: Record<string, number>): Record<string, number> {
  const sizes = Object.keys(figures)
    .map((key) => /^firstTickMs_(\d+)k$/.exec(key)?.[1])
    .filter((k): k is string => k !== undefined)
    .map(Number);
  const stable: Record<string, number> = {};
  if (sizes.length) {
    const k = Math.max(...sizes);
    stable.openAssignments = k * 1000;
    stable.tickMs = figures[`firstTickMs_${k}k`] ?? Number.NaN;
    stable.redisMB = Math.round(((figures[`redisKeyBytesKB_${k}k`] ?? Number.NaN) / 1024) * 100) / 100;
  }
  if (figures.latenessP99Ms !== undefined) stable.latenessP99Ms = figures.latenessP99Ms;
  return stable;
}

/** Set BENCH_SCHEDULER_ONLY=tick|lateness to run one half, BENCH_SCHEDULER_SIZES=100000 for other sizes. */
export async function benchScheduler(): Promise<Record<string, number>> {
  const redis = await startPrivateRedis();
  // Other work on the machine shows in every figure here: say how busy it was.
  const load = () => Math.round((loadavg()[0] ?? 0) * 10) / 10;
  try {
    const loadBefore = load();
    const only = process.env.BENCH_SCHEDULER_ONLY;
    const tick = only === "lateness" ? {} : await benchTick(redis);
    const lateness = only === "tick" ? {} : await benchLateness(redis);
    return {
      ...stableFigures({ ...tick, ...lateness }),
      ...tick,
      ...lateness,
      loadAverageBefore: loadBefore,
      loadAverageAfter: load(),
    };
  } finally {
    await redis.stop();
  }
}
