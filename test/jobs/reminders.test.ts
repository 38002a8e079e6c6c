// Reminders driven tick by tick on a fake clock against a real PostgreSQL: the right working days at office hours,
// escalation on day 3, a reply stops them, 不满意 starts 重新办理 reminders.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localTime } from "../../domain/reminders.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import {
  addAssignment,
  clearScheduledWork,
  day,
  fakeClockAt,
  pushedExceptWeekly,
  recordingChannel,
  seedWorld,
  shanghai,
  testContext,
  tickAndSend,
  type World,
} from "./fixture.ts";

let database: TestDatabase;
let world: World;

beforeAll(async () => {
  database = await createTestDatabase();
  world = await seedWorld(database.db);
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(async () => {
  await clearScheduledWork(database.db);
});

const HOUR = 3_600_000;
const local = (ms: number) => localTime(new Date(ms), "Asia/Shanghai");
const stamp = (ms: number) => {
  const { date, minutes } = local(ms);
  return `${date} ${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
};

describe("reminders on a fake clock", () => {
  it("reach a case assigned on the Friday before 清明 on the right working days, at office hours, and escalate on day 3", async () => {
    const { db } = database;
    const a = await addAssignment(db, world, { assignedOn: "2026-04-03", signDeadline: "2026-04-09" });
    const clock = fakeClockAt("2026-04-03 00:00");
    const push = recordingChannel(clock);
    const ctx = testContext(db, push, clock);
    // Half-hourly ticks from Friday midnight through the holiday to Thursday 04-16.
    while (clock.now() < shanghai("2026-04-16 00:00").getTime()) {
      await tickAndSend(ctx);
      await clock.advance(HOUR / 2);
    }
    const toUnit = pushedExceptWeekly(push).filter(
      (n) => n.chatId === world.units[0]?.chatId && n.markdown.includes("督办提醒"),
    );
    expect(toUnit.map((n) => stamp(n.at))).toEqual([
      "2026-04-03 09:00", // T-3 (the 3 working days are 04-07..04-09)
      "2026-04-08 09:00", // T-1
      "2026-04-09 09:00", // due
      "2026-04-10 09:00", // overdue 1
      "2026-04-13 09:00", // overdue 2
      "2026-04-14 09:00", // overdue 3
      "2026-04-15 09:00", // overdue 4
    ]);
    for (const n of toUnit) expect(n.markdown).toContain(`第${a.case.number}号提案`);
    expect(toUnit[0]?.markdown).toContain("签收期限2026年4月9日，剩3个工作日 <@liaison1>");
    expect(toUnit[2]?.markdown).toContain("今天到期");
    expect(toUnit[5]?.markdown).toContain("逾期5天");

    const escalations = pushedExceptWeekly(push).filter((n) => n.markdown.includes("逾期督办"));
    expect(escalations.map((n) => `${n.chatId} ${stamp(n.at)}`).sort()).toEqual([
      "chat-office 2026-04-14 09:00",
      "chat-unit-1 2026-04-14 09:00",
    ]);
    for (const n of escalations) expect(n.markdown).toContain("分管领导 <@leader1>");
    // Nothing at night, on the weekend or on the holiday.
    for (const n of pushedExceptWeekly(push)) expect(local(n.at).minutes).toBeGreaterThanOrEqual(9 * 60);
  });

  it("stop for a duty once it is done: a reply ends the 答复 reminders, even one already queued", async () => {
    const { db } = database;
    const a = await addAssignment(db, world, {
      state: "IN_PROGRESS",
      signDeadline: "2026-03-01",
      replyDeadline: "2026-04-14",
    });
    const clock = fakeClockAt("2026-04-13 10:00");
    const push = recordingChannel(clock);
    const ctx = testContext(db, push, clock);
    await tickAndSend(ctx);
    expect(pushedExceptWeekly(push)).toHaveLength(1);
    expect(pushedExceptWeekly(push)[0]?.markdown).toContain("答复期限2026年4月14日，剩1个工作日");

    // Next morning a slot is claimed, then the reply lands before the digest goes out.
    await clock.advance(24 * HOUR - HOUR);
    const { runTick, sendReminderDigest } = await import("../../jobs/index.ts");
    const plan = await runTick(ctx);
    expect(plan.reminders).toHaveLength(1);
    await db.assignment.update({
      where: { id: a.id },
      data: { state: "REPLIED", repliedOn: day("2026-04-14"), replyClass: "A" },
    });
    for (const job of plan.reminders) await sendReminderDigest(ctx, job.data);
    expect(pushedExceptWeekly(push)).toHaveLength(1);
    expect(await db.reminderSlot.count({ where: { assignmentId: a.id, status: "CANCELLED" } })).toBe(1);

    for (let i = 0; i < 5; i++) {
      await clock.advance(24 * HOUR);
      await tickAndSend(ctx);
    }
    expect(pushedExceptWeekly(push)).toHaveLength(1);
  });

  it("start 重新办理 reminders after 不满意 (REHANDLING with a rehandle deadline)", async () => {
    const { db } = database;
    const a = await addAssignment(db, world, {
      state: "REPLIED",
      signDeadline: "2026-03-01",
      replyDeadline: "2026-04-01",
    });
    const clock = fakeClockAt("2026-04-13 10:00");
    const push = recordingChannel(clock);
    const ctx = testContext(db, push, clock);
    await tickAndSend(ctx);
    expect(pushedExceptWeekly(push)).toHaveLength(0); // replied: nothing owed

    await db.assignment.update({
      where: { id: a.id },
      data: { state: "REHANDLING", rehandleDeadline: day("2026-04-16") },
    });
    await clock.advance(HOUR);
    await tickAndSend(ctx);
    expect(pushedExceptWeekly(push)).toHaveLength(1);
    expect(pushedExceptWeekly(push)[0]?.markdown).toContain("重新办理答复期限2026年4月16日，剩3个工作日");
  });

  it("remind B-class 续办 by its follow-up date until it is resolved", async () => {
    const { db } = database;
    const a = await addAssignment(db, world, {
      state: "REPLIED",
      signDeadline: "2026-03-01",
      replyDeadline: "2026-04-01",
    });
    await db.assignment.update({ where: { id: a.id }, data: { replyClass: "B" } });
    const followUp = await db.followUp.create({ data: { assignmentId: a.id, dueOn: day("2026-04-14") } });
    const clock = fakeClockAt("2026-04-13 10:00");
    const push = recordingChannel(clock);
    const ctx = testContext(db, push, clock);
    await tickAndSend(ctx);
    expect(pushedExceptWeekly(push)[0]?.markdown).toContain("续办答复期限2026年4月14日，剩1个工作日");
    await db.followUp.update({
      where: { id: followUp.id },
      data: { status: "RESOLVED", resolvedOn: day("2026-04-13") },
    });
    await clock.advance(24 * HOUR);
    await tickAndSend(ctx);
    expect(pushedExceptWeekly(push)).toHaveLength(1);
  });

  it("send everything due for one group in one digest, grouped by unit and urgency", async () => {
    const { db } = database;
    await addAssignment(db, world, { signDeadline: "2026-04-10", title: "逾期的" });
    await addAssignment(db, world, { signDeadline: "2026-04-13", title: "今天到期的" });
    await addAssignment(db, world, { state: "IN_PROGRESS", signDeadline: "2026-03-01", replyDeadline: "2026-04-14" });
    await addAssignment(db, world, { unit: 1, signDeadline: "2026-04-14" });
    const clock = fakeClockAt("2026-04-13 08:30");
    const push = recordingChannel(clock);
    const ctx = testContext(db, push, clock);
    await tickAndSend(ctx);
    expect(pushedExceptWeekly(push)).toHaveLength(0); // before office hours: deferred
    await clock.advance(HOUR / 2);
    await tickAndSend(ctx);
    const unit1 = pushedExceptWeekly(push).filter((n) => n.chatId === "chat-unit-1");
    expect(unit1).toHaveLength(1);
    const text = unit1[0]?.markdown ?? "";
    expect(text).toContain("共3项待办");
    const order = ["市测试局1 · 已逾期", "市测试局1 · 今天到期", "市测试局1 · 3个工作日内到期"].map((h) =>
      text.indexOf(h),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(pushedExceptWeekly(push).filter((n) => n.chatId === "chat-unit-2")).toHaveLength(1);
    // A second tick the same day sends nothing again.
    await clock.advance(HOUR);
    await tickAndSend(ctx);
    expect(pushedExceptWeekly(push)).toHaveLength(2);
  });
});
