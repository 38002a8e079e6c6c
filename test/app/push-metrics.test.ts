// The push wiring `npm start` uses (app/push.ts) against the strict fake WeCom, real PostgreSQL and Redis, on a fake
// clock: what /metrics shows after real sends, and a robot removed from its group (93000) told to the office once.
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMetrics, type Metrics } from "../../app/metrics.ts";
import { createPush } from "../../app/push.ts";
import type { PushRouter } from "../../bot/push.ts";
import { enqueueNotice } from "../../casework/events.ts";
import { runTick, sendNoticeBatch, sendReminderDigest } from "../../jobs/index.ts";
import { type FakeWecomHttp, startFakeWecomHttp } from "../fake-wecom/http-server.ts";
import {
  addAssignment,
  clearScheduledWork,
  fakeClockAt,
  seedWorld,
  shanghai,
  testContext,
  type World,
} from "../jobs/fixture.ts";
import { silentLog } from "../jobs/log.ts";
import { driveUntilSettled, type FakeClock } from "../support/clock.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";

let database: TestDatabase;
let redis: TestRedis;
let world: World;
let wecom: FakeWecomHttp | undefined;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  world = await seedWorld(database.db);
});
afterAll(async () => {
  await Promise.all([database?.drop(), redis?.cleanup()]);
});
beforeEach(async () => {
  await clearScheduledWork(database.db);
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await wecom?.close();
  wecom = undefined;
});

/** The value of one sample in Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? "").split(",").filter(Boolean);
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(m[3]);
  }
  return 0;
}

interface Wired {
  clock: FakeClock;
  metrics: Metrics;
  push: PushRouter;
  office: string;
}

/** Fake WeCom with a robot for the office (the default webhook) and one for unit 1's group, and the wiring. */
async function wire(clock: FakeClock, metrics = createMetrics()): Promise<Wired> {
  wecom ??= await startFakeWecomHttp({ clock, keys: ["office", "unit1"] });
  await database.db.groupChat.update({
    where: { chatId: "chat-unit-1" },
    data: { webhookUrl: wecom.webhookUrl("unit1") },
  });
  const office = wecom.webhookUrl("office");
  const { push, close } = createPush({
    db: database.db,
    redisUrl: redis.url,
    prefix: `${redis.prefix}:${Math.random().toString(36).slice(2, 8)}`,
    defaultWebhookUrl: office,
    timeZone: "Asia/Shanghai",
    metrics,
    log: silentLog,
    clock,
  });
  closers.push(close);
  return { clock, metrics, push, office };
}

async function queueAssigned(assignmentId: number, unitId: number, at: Date) {
  await database.db.$transaction((tx) =>
    enqueueNotice(tx, {
      kind: "ASSIGNED",
      dedupeKey: `assigned:${assignmentId}:${at.getTime()}`,
      assignmentId,
      unitId,
      payload: {},
      availableAt: at,
    }),
  );
}

describe("/metrics after real sends", () => {
  it("counts pushes by kind and channel, and measures reminder lateness from office hours or the slot's creation", async () => {
    const { db } = database;
    const clock = fakeClockAt("2026-04-13 10:00"); // Monday; office hours open at 09:00
    const { metrics, push } = await wire(clock);
    const ctx = { ...testContext(db, push, clock), metrics };
    const early = await addAssignment(db, world, { signDeadline: "2026-04-13" });
    const late = await addAssignment(db, world, { signDeadline: "2026-04-13", unit: 1 });
    await queueAssigned(early.id, early.unitId, new Date(clock.now()));

    const plan = await runTick(ctx);
    // One slot was there before the office opened, the other appeared at 09:30 (a 交办 during the morning).
    await db.reminderSlot.updateMany({
      where: { assignmentId: early.id },
      data: { createdAt: shanghai("2026-04-13 08:00") },
    });
    await db.reminderSlot.updateMany({
      where: { assignmentId: late.id },
      data: { createdAt: shanghai("2026-04-13 09:30") },
    });
    const before = await metrics.registry.metrics();
    expect(sample(before, "casebot_pushes_total", { kind: "notice", channel: "webhook", outcome: "sent" })).toBe(0);

    const work = [
      ...plan.notices.map((j) => sendNoticeBatch(ctx, j.data)),
      ...plan.reminders.map((j) => sendReminderDigest(ctx, j.data)),
    ];
    const results = await driveUntilSettled(clock, work);
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(plan.notices).toHaveLength(1);
    expect(plan.reminders).toHaveLength(2); // each unit's group: unit 1 by its own robot, unit 2 by the default one

    const text = await metrics.registry.metrics();
    expect(wecom?.sent("unit1")).toHaveLength(2); // the 交办 notice and the reminder
    expect(sample(text, "casebot_pushes_total", { kind: "notice", channel: "webhook", outcome: "sent" })).toBe(1);
    expect(sample(text, "casebot_pushes_total", { kind: "reminder", channel: "webhook", outcome: "sent" })).toBe(2);
    expect(sample(text, "casebot_reminder_lateness_seconds_count")).toBe(2);
    // 10:00 − 09:00 (due at the opening) plus 10:00 − 09:30 (due at its creation).
    expect(sample(text, "casebot_reminder_lateness_seconds_sum")).toBe(3600 + 1800);
    expect(sample(text, "casebot_reminder_lateness_seconds_bucket", { le: "1800" })).toBe(1);
    expect(sample(text, "casebot_reminder_lateness_seconds_bucket", { le: "3600" })).toBe(2);
  });

  it("shows rate-limit waits, queue depths and pending work", async () => {
    const { db } = database;
    const clock = fakeClockAt("2026-04-13 10:00");
    const { metrics, push } = await wire(clock);
    // 21 notices to one robot at once: the shared window holds the 21st back for a minute.
    const results = await driveUntilSettled(
      clock,
      Array.from({ length: 21 }, (_, i) => push.push({ chatId: null, markdown: `第${i}条` })),
    );
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(wecom?.rejected()).toEqual([]);
    // WeCom bans anyway (another sender on the same robot): a minute's wait, then the notice goes.
    wecom?.failNext(1, { errcode: 45009 });
    const [banned] = await driveUntilSettled(clock, [push.push({ chatId: null, markdown: "限流之后" })]);
    expect(banned?.status).toBe("fulfilled");

    const queue = new Queue("casebot-notices", { connection: { url: redis.url }, prefix: redis.prefix });
    closers.push(() => queue.close());
    await queue.add("n", {});
    await queue.add("n", {});
    await queue.add("n", {}, { delay: 60_000 });
    const a = await addAssignment(db, world, { signDeadline: "2026-04-13" });
    await queueAssigned(a.id, a.unitId, new Date(clock.now()));
    await runTick({ ...testContext(db, push, clock), metrics }); // writes the slots, sends nothing
    metrics.watch({ db, queues: [queue] });

    const text = await metrics.registry.metrics();
    expect(sample(text, "casebot_webhook_rate_limit_wait_seconds_count", { reason: "window" })).toBe(1);
    expect(sample(text, "casebot_webhook_rate_limit_wait_seconds_sum", { reason: "window" })).toBeGreaterThanOrEqual(
      60,
    );
    expect(sample(text, "casebot_webhook_rate_limit_wait_seconds_count", { reason: "wecom_45009" })).toBe(1);
    expect(sample(text, "casebot_webhook_rate_limit_wait_seconds_sum", { reason: "wecom_45009" })).toBe(60);
    expect(sample(text, "casebot_pushes_total", { kind: "notice", channel: "webhook", outcome: "sent" })).toBe(22);
    expect(sample(text, "casebot_queue_jobs", { queue: "casebot-notices", state: "waiting" })).toBe(2);
    expect(sample(text, "casebot_queue_jobs", { queue: "casebot-notices", state: "delayed" })).toBe(1);
    expect(sample(text, "casebot_queue_jobs", { queue: "casebot-notices", state: "active" })).toBe(0);
    const pendingOutbox = await db.outbox.count({ where: { status: "PENDING" } });
    expect(pendingOutbox).toBeGreaterThanOrEqual(1);
    expect(sample(text, "casebot_outbox_pending")).toBe(pendingOutbox);
    expect(sample(text, "casebot_reminder_slots_pending")).toBe(
      await db.reminderSlot.count({ where: { status: "PENDING" } }),
    );
    expect(sample(text, "casebot_reminder_slots_pending")).toBeGreaterThanOrEqual(1);
  });
});

describe("a group's robot removed (93000)", () => {
  it("alerts the office through the outbox once per chat and day, across pushes and restarts", async () => {
    const { db } = database;
    const clock = fakeClockAt("2026-04-13 10:00");
    const first = await wire(clock);
    wecom?.removeKey("unit1");
    const ctx = { ...testContext(db, first.push, clock), metrics: first.metrics };

    const sendUnitNotice = async (push: PushRouter) => {
      const a = await addAssignment(db, world, { signDeadline: "2026-04-20" });
      await queueAssigned(a.id, a.unitId, new Date(clock.now()));
      const rows = await db.outbox.findMany({ where: { assignmentId: a.id } });
      await sendNoticeBatch({ ...ctx, push }, { chatKey: "chat-unit-1", outboxIds: rows.map((r) => String(r.id)) });
      return db.outbox.findFirstOrThrow({ where: { assignmentId: a.id } });
    };

    expect((await sendUnitNotice(first.push)).status).toBe("FAILED");
    expect((await sendUnitNotice(first.push)).status).toBe("FAILED"); // this process knows: fails at once
    const restarted = await wire(clock);
    expect((await sendUnitNotice(restarted.push)).status).toBe("FAILED"); // a new process meets the 93000 again

    const alerts = await db.outbox.findMany({ where: { kind: "ALERT" } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.dedupeKey).toBe("alert:robot-removed:chat-unit-1:2026-04-13");
    const alertText = String((alerts[0]?.payload as { text?: string } | undefined)?.text);
    expect(alertText).toContain("市测试局1（chat-unit-1）");
    expect(alertText).toContain("群机器人已失效");
    expect(
      sample(await first.metrics.registry.metrics(), "casebot_pushes_total", {
        outcome: "failed",
        kind: "notice",
        channel: "webhook",
      }),
    ).toBe(2);

    // The alert reaches the office's group (through the default webhook) once.
    const plan = await runTick(ctx);
    for (const job of plan.notices) await sendNoticeBatch(ctx, job.data);
    const officeAlerts = (wecom?.sent("office") ?? []).filter((r) => JSON.stringify(r.body).includes("【系统告警】"));
    expect(officeAlerts).toHaveLength(1);

    // The next day, still removed: the office hears of it again.
    await clock.advance(24 * 3_600_000);
    const nextDay = await wire(clock);
    await sendUnitNotice(nextDay.push);
    expect(await db.outbox.count({ where: { kind: "ALERT" } })).toBe(2);
  });
});
