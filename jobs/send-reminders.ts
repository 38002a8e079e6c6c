// Sends one chat's due reminders as one digest (and its escalations as a second one): lease the chat's pending slots,
// drop those whose duty is no longer open (a reply, 签收 or 延期 ends or moves a duty), render, pack at 4096 bytes,
// and mark each piece's slots SENT right after WeCom confirms that piece.
//
// Residual risk (WeCom has no idempotency key): if the process dies after WeCom accepted a piece and before the
// UPDATE that records it, that piece is sent again once the lease (leaseMs) has expired. The window is one UPDATE.
import { isRobotGone, PushError } from "../bot/webhook.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import { nextDuty, toCalendarDate } from "../domain/duties.ts";
import { localTime, mayNotify, type NotifyRules, parseNotifyHours, workingDaysLeft } from "../domain/reminders.ts";
import { loadPeople, loadRouting, noticeChatId } from "./chats.ts";
import { sessionReminderPolicy } from "./claim-slots.ts";
import { errorText, type JobContext, retryDelay } from "./context.ts";
import { type DigestSection, packDigest } from "./pack.ts";
import { raiseOfficeAlert } from "./send-notices.ts";
import * as t from "./texts.ts";

export const REMINDERS_QUEUE = "casebot-reminders";

/** One job per chat with pending slots; the job id is deterministic per chat and tick. */
export interface ReminderDigestJob {
  chatKey: string;
}

const CLAIM_LIMIT = 2000;

interface ClaimedSlot {
  id: bigint;
  assignmentId: number;
  duty: string;
  deadline: CalendarDate;
  audience: "UNIT" | "ESCALATION";
  attempts: number;
  slotOn: CalendarDate;
  /** When the tick wrote the slot (epoch ms). */
  createdMs: number;
}

async function leaseSlots(ctx: JobContext, chatKey: string, now: Date): Promise<ClaimedSlot[]> {
  const lease = new Date(now.getTime() + ctx.leaseMs);
  return ctx.db.$queryRawUnsafe<ClaimedSlot[]>(
    `UPDATE "ReminderSlot" SET "leaseUntil" = $3::timestamptz, attempts = attempts + 1
     WHERE id IN (SELECT id FROM "ReminderSlot"
       WHERE status = 'PENDING' AND "chatKey" = $1 AND ("leaseUntil" IS NULL OR "leaseUntil" <= $2::timestamptz)
       ORDER BY id LIMIT ${CLAIM_LIMIT} FOR UPDATE SKIP LOCKED)
     RETURNING id, "assignmentId", duty, to_char(deadline, 'YYYY-MM-DD') AS deadline, audience, attempts,
       to_char("slotOn", 'YYYY-MM-DD') AS "slotOn", (extract(epoch FROM "createdAt") * 1000)::float8 AS "createdMs"`,
    chatKey,
    now.toISOString(),
    lease.toISOString(),
  );
}

async function setStatus(ctx: JobContext, ids: bigint[], status: "SENT" | "CANCELLED" | "FAILED", error?: string) {
  if (ids.length === 0) return;
  await ctx.db.reminderSlot.updateMany({
    where: { id: { in: ids } },
    data: {
      status,
      leaseUntil: null,
      sentAt: status === "SENT" ? new Date(ctx.clock.now()) : undefined,
      lastError: error,
    },
  });
}

export async function sendReminderDigest(ctx: JobContext, job: ReminderDigestJob): Promise<{ sent: number }> {
  const now = new Date(ctx.clock.now());
  if (!mayNotify(now, ctx.notify)) return { sent: 0 }; // deferred: the slots stay pending for the next window
  const today = localTime(now, ctx.notify.timeZone).date;
  const claimed = await leaseSlots(ctx, job.chatKey, now);
  if (claimed.length === 0) return { sent: 0 };

  const assignments = await ctx.db.assignment.findMany({
    where: { id: { in: [...new Set(claimed.map((s) => s.assignmentId))] } },
    include: {
      unit: true,
      case: { include: { session: true } },
      followUps: { where: { status: "OPEN" } },
    },
  });
  const byId = new Map(assignments.map((a) => [a.id, a]));
  const stillOpen = (s: ClaimedSlot) => {
    const a = byId.get(s.assignmentId);
    if (!a) return false;
    if (s.duty === "FOLLOW_UP") {
      return a.state !== "CLOSED" && a.followUps.some((f) => toCalendarDate(f.dueOn) === s.deadline);
    }
    const duty = nextDuty(a);
    return duty?.kind === s.duty && duty.deadline === s.deadline;
  };
  const open = claimed.filter(stillOpen);
  await setStatus(
    ctx,
    claimed.filter((s) => !stillOpen(s)).map((s) => s.id),
    "CANCELLED",
  );
  if (open.length === 0) return { sent: 0 };

  const people = await loadPeople(ctx.db, [...new Set(assignments.map((a) => a.unitId))]);
  const policy = sessionReminderPolicy(assignments[0]?.case.session.reminderPolicy, ctx.log);
  const pieces = [
    ...packDigest(t.reminderTitle(today, countLines(open, "UNIT")), unitSections(open, "UNIT")),
    ...packDigest(t.escalationTitle(today, policy.escalateAfter), unitSections(open, "ESCALATION")),
  ];
  let sent = 0;
  let remaining = open.map((s) => s.id);
  const slotById = new Map(open.map((s) => [s.id, s]));
  for (const piece of pieces) {
    // Renew the lease on what is left before each push, so a slow rate-limited send is not taken over.
    await ctx.db.reminderSlot.updateMany({
      where: { id: { in: remaining } },
      data: { leaseUntil: new Date(ctx.clock.now() + ctx.leaseMs) },
    });
    try {
      await ctx.push.push({ chatId: noticeChatId(job.chatKey), markdown: piece.markdown }, "reminder");
    } catch (error) {
      await pushFailed(ctx, job.chatKey, open, remaining, error);
      return { sent };
    }
    await setStatus(ctx, piece.ids, "SENT");
    observeLateness(
      ctx,
      piece.ids.flatMap((id) => slotById.get(id) ?? []),
    );
    const done = new Set(piece.ids);
    remaining = remaining.filter((id) => !done.has(id));
    sent += piece.ids.length;
  }
  return { sent };

  function countLines(slots: ClaimedSlot[], audience: string) {
    return new Set(slots.filter((s) => s.audience === audience).map((s) => `${s.assignmentId}:${s.duty}`)).size;
  }

  /** Sections by unit, then urgency; one line per (assignment, duty), carrying every slot it covers. */
  function unitSections(slots: ClaimedSlot[], audience: "UNIT" | "ESCALATION"): DigestSection<bigint>[] {
    const lines = new Map<string, { unit: string; unitId: number; urgency: t.Urgency; text: string; ids: bigint[] }>();
    for (const s of slots.filter((x) => x.audience === audience)) {
      const key = `${s.assignmentId}:${s.duty}`;
      const existing = lines.get(key);
      if (existing) {
        existing.ids.push(s.id);
        continue;
      }
      const a = byId.get(s.assignmentId);
      if (!a) continue;
      const label = t.dutyLabel(s.duty, a.role);
      const text =
        audience === "UNIT"
          ? t.reminderLine(a.case, label, s.deadline, today, people.responsible(a.unitId, a.handlerId))
          : t.escalationLine(a.case, label, s.deadline, today);
      lines.set(key, { unit: a.unit.name, unitId: a.unitId, urgency: urgencyOf(s.deadline), text, ids: [s.id] });
    }
    const sorted = [...lines.values()].sort(
      (x, y) =>
        x.unit.localeCompare(y.unit, "zh") ||
        t.URGENCY_ORDER.indexOf(x.urgency) - t.URGENCY_ORDER.indexOf(y.urgency) ||
        x.text.localeCompare(y.text),
    );
    const sections: DigestSection<bigint>[] = [];
    for (const line of sorted) {
      const header =
        audience === "UNIT"
          ? t.reminderHeader(line.unit, line.urgency)
          : t.escalationHeader(line.unit, people.leaders(line.unitId));
      const last = sections.at(-1);
      if (last?.header === header) last.lines.push({ text: line.text, ids: line.ids });
      else sections.push({ header, lines: [{ text: line.text, ids: line.ids }] });
    }
    return sections;
  }

  function urgencyOf(deadline: CalendarDate): t.Urgency {
    if (deadline < today) return "OVERDUE";
    if (deadline === today) return "DUE";
    return workingDaysLeft(today, deadline) <= 3 ? "SOON" : "AHEAD";
  }
}

/**
 * When a slot was due: the opening of office hours (NOTIFY_HOURS, midnight for "always") on its day in TZ_CASES, or
 * its creation if later (a slot written mid-day by a new 交办 or an edited deadline is due when it appears).
 */
export function slotDueAt(slotOn: CalendarDate, createdMs: number, rules: NotifyRules): number {
  const opening = localInstant(slotOn, parseNotifyHours(rules.hours)?.from ?? 0, rules.timeZone);
  return Math.max(opening, createdMs);
}

/** The instant at `minutes` after midnight of the local date in `timeZone` (corrected for its UTC offset). */
function localInstant(date: CalendarDate, minutes: number, timeZone: string): number {
  const asUtc = (d: CalendarDate, m: number) => {
    const [y = 0, mo = 1, day = 1] = d.split("-").map(Number);
    return Date.UTC(y, mo - 1, day) + m * 60_000;
  };
  const wanted = asUtc(date, minutes);
  let guess = wanted;
  // Twice: the offset at the first guess may differ from the one at the answer across a DST change.
  for (let i = 0; i < 2; i++) {
    const shown = localTime(new Date(guess), timeZone);
    guess += wanted - asUtc(shown.date, shown.minutes);
  }
  return guess;
}

function observeLateness(ctx: JobContext, sent: ClaimedSlot[]) {
  if (!ctx.metrics) return;
  const now = ctx.clock.now();
  for (const slot of sent) {
    const late = now - slotDueAt(slot.slotOn, Number(slot.createdMs), ctx.notify);
    ctx.metrics.reminderLateness.observe(Math.max(0, late) / 1000);
  }
}

async function pushFailed(ctx: JobContext, chatKey: string, open: ClaimedSlot[], remaining: bigint[], error: unknown) {
  const message = errorText(error);
  if (error instanceof PushError && error.permanent) {
    ctx.log.error({ chatKey, err: message }, "提醒推送失败（不可重试），已标记失败并告警督办室");
    await setStatus(ctx, remaining, "FAILED", message);
    const routing = await loadRouting(ctx.db);
    // A robot that is gone was reported by the webhook channel itself, once per chat and day.
    if (chatKey !== routing.officeChat && !isRobotGone(error))
      await raiseOfficeAlert(
        ctx,
        `reminders:${chatKey}:${ctx.clock.now()}`,
        t.pushFailedAlert("督办提醒", chatKey, message),
      );
    return;
  }
  // Retryable: hold the rest back for a while; the tick hands them to a worker again after that.
  const attempts = Math.max(1, ...open.map((s) => s.attempts));
  ctx.log.warn({ chatKey, err: message, attempts }, "提醒推送失败，稍后重试");
  await ctx.db.reminderSlot.updateMany({
    where: { id: { in: remaining } },
    data: { leaseUntil: new Date(ctx.clock.now() + retryDelay(ctx, attempts)), lastError: message },
  });
}
