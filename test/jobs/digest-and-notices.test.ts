// Merging and the outbox, on a fake clock against real PostgreSQL (and, for the digest, the strict fake WeCom through
// the real webhook channel): 300 reminders as the fewest 4096-byte messages, 交办 notices, failures.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { byteLength } from "../../bot/limits.ts";
import { createSlidingWindow } from "../../bot/rate-limit.ts";
import { createWebhookChannel, WEBHOOK_LIMIT, WEBHOOK_WINDOW_MS } from "../../bot/webhook.ts";
import { enqueueNotice } from "../../casework/events.ts";
import { startFakeWecomHttp } from "../fake-wecom/http-server.ts";
import { driveUntilSettled } from "../support/clock.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import {
  addAssignment,
  clearScheduledWork,
  day,
  fakeClockAt,
  pushedExceptWeekly,
  recordingChannel,
  seedWorld,
  testContext,
  tickAndSend,
  type World,
} from "./fixture.ts";
import { silentLog } from "./log.ts";

let database: TestDatabase;
let redis: TestRedis;
let world: World;

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

describe("one digest per group", () => {
  it("sends 300 reminders due at once as the fewest messages within 4096 bytes, none lost, none repeated", async () => {
    const { db } = database;
    const numbers: string[] = [];
    for (let i = 0; i < 300; i++) {
      const a = await addAssignment(db, world, { signDeadline: i % 3 === 0 ? "2026-04-10" : "2026-04-13" });
      numbers.push(a.case.number);
    }
    const clock = fakeClockAt("2026-04-13 09:00");
    const wecom = await startFakeWecomHttp({ clock, keys: ["unit1", "office"] });
    const keyOf: Record<string, string> = { "chat-unit-1": "unit1", "chat-office": "office" };
    const push = createWebhookChannel({
      webhookFor: async (chatId) => (chatId && keyOf[chatId] ? wecom.webhookUrl(keyOf[chatId]) : undefined),
      limiter: createSlidingWindow({
        redis: redis.redis,
        prefix: redis.prefix,
        limit: WEBHOOK_LIMIT,
        windowMs: WEBHOOK_WINDOW_MS,
        clock,
      }),
      clock,
      onRobotRemoved: () => {},
      log: silentLog,
    });
    const ctx = testContext(db, push, clock);
    try {
      const [result] = await driveUntilSettled(clock, [tickAndSend(ctx)]);
      expect(result?.status).toBe("fulfilled");
      const messages = wecom.sent("unit1").map((r) => (r.body as { markdown: { content: string } }).markdown.content);
      expect(wecom.rejected()).toEqual([]);

      const lines = messages.flatMap((m) => m.split("\n").filter((l) => l.startsWith("> ")));
      expect(lines).toHaveLength(300);
      const seen = lines.map((l) => /第(\d+)号提案/.exec(l)?.[1]);
      expect(new Set(seen).size).toBe(300);
      expect([...seen].sort()).toEqual([...numbers].sort());
      // Greedy: each message is within the limit and the next message's first line would not have fitted.
      for (const [i, m] of messages.entries()) {
        expect(byteLength(m)).toBeLessThanOrEqual(4096);
        const next = messages[i + 1]?.split("\n").find((l) => l.startsWith("> "));
        if (next) expect(byteLength(m) + 1 + byteLength(next)).toBeGreaterThan(4096 - 80);
      }
      const total = lines.reduce((sum, l) => sum + byteLength(l) + 1, 0);
      // Between the bare minimum (pure lines, no titles or headers) and that plus one.
      expect(messages.length).toBeGreaterThanOrEqual(Math.ceil(total / 4096));
      expect(messages.length).toBeLessThanOrEqual(Math.ceil(total / 4096) + 1);
      expect(messages.length).toBeLessThanOrEqual(WEBHOOK_LIMIT);
      expect(messages[0]).toContain("市测试局1 · 已逾期");
      expect(await db.reminderSlot.count({ where: { status: "SENT" } })).toBe(300);

      // The same day again: nothing more.
      await clock.advance(30 * 60_000);
      await driveUntilSettled(clock, [tickAndSend(ctx)]);
      expect(wecom.sent("unit1")).toHaveLength(messages.length);
    } finally {
      await wecom.close();
    }
  });
});

describe("交办 notices from the outbox", () => {
  async function queueAssigned(assignmentId: number, unitId: number, at: Date, key = `assigned:${assignmentId}`) {
    await database.db.$transaction((tx) =>
      enqueueNotice(tx, { kind: "ASSIGNED", dedupeKey: key, assignmentId, unitId, payload: {}, availableAt: at }),
    );
  }

  it("render which case, every unit and role, each deadline and the people to act; marked SENT after the push", async () => {
    const { db } = database;
    const clock = fakeClockAt("2026-04-03 15:00");
    const lead = await addAssignment(db, world, { signDeadline: "2026-04-09", replyDeadline: "2026-07-03" });
    const joint = await db.assignment.create({
      data: {
        caseId: lead.caseId,
        unitId: world.units[1]?.id ?? 0,
        role: "JOINT",
        signDeadline: day("2026-04-09"),
        adjustDeadline: day("2026-04-10"),
        opinionDeadline: day("2026-05-03"),
      },
    });
    const other = await addAssignment(db, world, { signDeadline: "2026-04-09" });
    await queueAssigned(lead.id, lead.unitId, new Date(clock.now()));
    await queueAssigned(other.id, other.unitId, new Date(clock.now()));
    await queueAssigned(joint.id, joint.unitId, new Date(clock.now()));
    const push = recordingChannel(clock);
    await tickAndSend(testContext(db, push, clock));

    const notices = push.sent.filter((n) => n.markdown.startsWith("**【督办助手】"));
    const unit1 = notices.filter((n) => n.chatId === "chat-unit-1");
    expect(unit1).toHaveLength(1); // two notices for one group: one message
    const text = unit1[0]?.markdown ?? "";
    expect(text).toContain(`【交办】市政协五届二次会议第${lead.case.number}号提案《${lead.case.title}》`);
    expect(text).toContain("承办单位：市测试局1（主办）、市测试局2（会办）");
    expect(text).toContain("签收期限：2026年4月9日");
    expect(text).toContain("答复期限：2026年7月3日");
    expect(text).toContain("<@liaison1>");
    expect(text).toContain(`第${other.case.number}号提案`);
    const unit2 = notices.find((n) => n.chatId === "chat-unit-2")?.markdown ?? "";
    expect(unit2).toContain("会办意见期限：2026年5月3日");
    expect(unit2).toContain("<@liaison2>");
    const rows = await db.outbox.findMany({ where: { kind: { not: "DIGEST" } } });
    expect(rows.every((r) => r.status === "SENT" && r.sentAt !== null)).toBe(true);
    const before = pushedExceptWeekly(push).length;
    await tickAndSend(testContext(db, push, clock));
    expect(pushedExceptWeekly(push)).toHaveLength(before);
  });

  it("retry a failed push later (attempts + 1, availableAt later), and fail a permanent one with an office alert", async () => {
    const { db } = database;
    const clock = fakeClockAt("2026-04-03 15:00");
    // Deadlines with no reminder slot today, so only the notices are pushed.
    const a = await addAssignment(db, world, { signDeadline: "2026-04-17" });
    await queueAssigned(a.id, a.unitId, new Date(clock.now()));
    const push = recordingChannel(clock);
    const ctx = testContext(db, push, clock);

    push.fail(1);
    await tickAndSend(ctx);
    let row = await db.outbox.findFirstOrThrow({ where: { kind: "ASSIGNED" } });
    expect(row).toMatchObject({ status: "PENDING", attempts: 1, lastError: "测试：推送失败" });
    expect(row.availableAt.getTime()).toBe(clock.now() + 60_000);
    await clock.advance(30_000);
    await tickAndSend(ctx);
    expect(pushedExceptWeekly(push)).toHaveLength(0);
    await clock.advance(30_000);
    await tickAndSend(ctx);
    row = await db.outbox.findFirstOrThrow({ where: { kind: "ASSIGNED" } });
    expect(row.status).toBe("SENT");
    expect(pushedExceptWeekly(push)).toHaveLength(1);

    const b = await addAssignment(db, world, { signDeadline: "2026-04-17" });
    await queueAssigned(b.id, b.unitId, new Date(clock.now()));
    push.fail(1, true);
    await tickAndSend(ctx);
    const failed = await db.outbox.findFirstOrThrow({ where: { assignmentId: b.id } });
    expect(failed).toMatchObject({ status: "FAILED", lastError: "测试：推送失败" });
    await tickAndSend(ctx);
    const alert = pushedExceptWeekly(push).find((n) => n.chatId === "chat-office");
    expect(alert?.markdown).toContain("【系统告警】");
    expect(alert?.markdown).toContain("chat-unit-1");
  });

  it("tell the office of a 延期 request, and the unit of the decision", async () => {
    const { db } = database;
    const clock = fakeClockAt("2026-04-03 15:00");
    const facts = { caseKind: "提案", session: "市政协五届二次会议", number: "205", title: "关于测试的提案" };
    await db.$transaction(async (tx) => {
      const at = new Date(clock.now());
      await enqueueNotice(tx, {
        kind: "REQUEST_FILED",
        dedupeKey: "request-filed:7",
        unitId: world.officeUnitId,
        availableAt: at,
        payload: {
          ...facts,
          audience: "office",
          request: 7,
          type: "EXTENSION",
          reason: "需要调研",
          unit: "市测试局1",
          requestedDeadline: "2026-09-30",
        },
      });
      await enqueueNotice(tx, {
        kind: "REQUEST_DECIDED",
        dedupeKey: "request-decided:7",
        unitId: world.units[0]?.id,
        availableAt: at,
        payload: { ...facts, request: 7, type: "EXTENSION", status: "APPROVED", note: null },
      });
    });
    const push = recordingChannel(clock);
    await tickAndSend(testContext(db, push, clock));
    const office = push.sent.find((n) => n.chatId === "chat-office")?.markdown ?? "";
    expect(office).toContain("【延期申请】市政协五届二次会议第205号提案");
    expect(office).toContain("市测试局1申请延期（第7号申请），申请延至2026年9月30日");
    expect(office).toContain("「批准 7」");
    const unit = push.sent.find((n) => n.chatId === "chat-unit-1")?.markdown ?? "";
    expect(unit).toContain("第7号延期申请已批准");
  });
});
