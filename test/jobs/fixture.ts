// A small record for scheduler tests: one session, an office with its group, units with groups and people, and
// helpers to add cases and assignments with given deadlines. Plus a channel that records every push.
import type { Notice, PushChannel } from "../../bot/message.ts";
import { PushError } from "../../bot/webhook.ts";
import type { Db } from "../../db/client.ts";
import type { JobContext } from "../../jobs/context.ts";
import { createFakeClock, type FakeClock } from "../support/clock.ts";
import { silentLog } from "./log.ts";

export const day = (d: string) => new Date(`${d}T00:00:00Z`);
/** A moment given in Shanghai local time: "2026-04-03 09:00". */
export const shanghai = (local: string) => new Date(`${local.replace(" ", "T")}:00+08:00`);

export interface Recorded extends Notice {
  at: number;
}

export function recordingChannel(clock: { now(): number }) {
  const sent: Recorded[] = [];
  let failures: { count: number; permanent: boolean } = { count: 0, permanent: false };
  const channel: PushChannel & { sent: Recorded[]; fail(count: number, permanent?: boolean): void } = {
    sent,
    fail(count, permanent = false) {
      failures = { count, permanent };
    },
    async push(notice) {
      if (failures.count > 0) {
        failures.count -= 1;
        throw new PushError("测试：推送失败", failures.permanent, { attempts: 1, delivered: 0 });
      }
      sent.push({ ...notice, at: clock.now() });
    },
  };
  return channel;
}

/** What was pushed, less the weekly 进度 digest the office gets on each week's first tick. */
export function pushedExceptWeekly(channel: { sent: Recorded[] }): Recorded[] {
  return channel.sent.filter((n) => !n.markdown.includes("【每周进度】"));
}

export function testContext(db: Db, push: PushChannel, clock: FakeClock, hours = "09:00-17:30"): JobContext {
  return {
    db,
    push,
    clock,
    notify: { timeZone: "Asia/Shanghai", hours, workdaysOnly: true },
    log: silentLog,
    leaseMs: 15 * 60_000,
    retryMs: 60_000,
  };
}

export function fakeClockAt(local: string): FakeClock {
  return createFakeClock(shanghai(local).getTime());
}

export interface World {
  sessionId: number;
  officeUnitId: number;
  units: { id: number; name: string; chatId: string; leader: string; liaison: string }[];
}

export async function seedWorld(db: Db, unitCount = 2): Promise<World> {
  const session = await db.session.create({ data: { name: "市政协五届二次会议", body: "CPPCC", year: 2026 } });
  const office = await db.unit.create({ data: { name: "市政府督查室", isOffice: true } });
  await db.groupChat.create({ data: { chatId: "chat-office", isOffice: true } });
  await db.person.create({ data: { name: "督办员", userid: "admin1", role: "admin", unitId: office.id } });
  const units: World["units"] = [];
  for (let i = 1; i <= unitCount; i++) {
    const unit = await db.unit.create({ data: { name: `市测试局${i}` } });
    const chatId = `chat-unit-${i}`;
    await db.groupChat.create({ data: { chatId, unitId: unit.id } });
    await db.person.create({ data: { name: `领导${i}`, userid: `leader${i}`, role: "leader", unitId: unit.id } });
    await db.person.create({ data: { name: `联络员${i}`, userid: `liaison${i}`, role: "liaison", unitId: unit.id } });
    units.push({ id: unit.id, name: unit.name, chatId, leader: `leader${i}`, liaison: `liaison${i}` });
  }
  return { sessionId: session.id, officeUnitId: office.id, units };
}

/** Between tests: no reminder slot or notice left, and every assignment so far withdrawn (owes nothing). */
export async function clearScheduledWork(db: Db): Promise<void> {
  await db.reminderSlot.deleteMany();
  await db.outbox.deleteMany();
  await db.assignment.updateMany({ data: { state: "WITHDRAWN" } });
}

let caseNumber = 100;

export async function addAssignment(
  db: Db,
  world: World,
  input: {
    unit?: number;
    state?: "PENDING" | "IN_PROGRESS" | "REPLIED" | "REHANDLING";
    role?: "LEAD" | "JOINT";
    assignedOn?: string;
    signDeadline: string;
    replyDeadline?: string;
    opinionDeadline?: string;
    rehandleDeadline?: string;
    title?: string;
  },
) {
  caseNumber += 1;
  const c = await db.case.create({
    data: {
      kind: "PROPOSAL",
      sessionId: world.sessionId,
      number: String(caseNumber),
      title: input.title ?? `关于测试事项${caseNumber}的提案`,
      assignedOn: day(input.assignedOn ?? input.signDeadline),
    },
  });
  const unit = world.units[input.unit ?? 0];
  if (!unit) throw new Error("no such unit");
  const role = input.role ?? "LEAD";
  const state = input.state ?? "PENDING";
  return db.assignment.create({
    data: {
      caseId: c.id,
      unitId: unit.id,
      role,
      state,
      signedAt: state === "PENDING" ? null : day(input.signDeadline),
      repliedOn: state === "REPLIED" || state === "REHANDLING" ? day(input.signDeadline) : null,
      replyClass: state === "REPLIED" || state === "REHANDLING" ? "A" : null,
      signDeadline: day(input.signDeadline),
      adjustDeadline: day(input.signDeadline),
      replyDeadline: role === "LEAD" ? day(input.replyDeadline ?? "2026-12-31") : null,
      opinionDeadline: role === "JOINT" ? day(input.opinionDeadline ?? "2026-12-31") : null,
      rehandleDeadline: input.rehandleDeadline ? day(input.rehandleDeadline) : null,
    },
    include: { case: true },
  });
}

/** One tick at the clock's now, with its jobs processed right away (what the workers would do). */
export async function tickAndSend(ctx: JobContext) {
  const { runTick, sendNoticeBatch, sendReminderDigest } = await import("../../jobs/index.ts");
  const plan = await runTick(ctx);
  for (const job of plan.notices) await sendNoticeBatch(ctx, job.data);
  for (const job of plan.reminders) await sendReminderDigest(ctx, job.data);
  return plan;
}
