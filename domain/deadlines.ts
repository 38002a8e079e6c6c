// Deadlines of one assignment (交办) and of the later steps, computed from the session's policy.
import {
  addCalendarDays,
  addMonths,
  addWorkingDays,
  type CalendarDate,
  isCalendarDate,
  nextWorkingDayOnOrAfter,
} from "./calendar.ts";
import { type AssignmentRole, answersProposer } from "./labels.ts";
import type { DeadlinePolicy, Span } from "./policy.ts";

export interface AssignmentDeadlines {
  signDeadline: CalendarDate;
  adjustDeadline: CalendarDate;
  opinionDeadline: CalendarDate | null; // only JOINT/ASSIST
  replyDeadline: CalendarDate | null; // only LEAD/SEPARATE
  extensionCap: CalendarDate | null; // only LEAD/SEPARATE
}

function monthDayIn(year: number, monthDay: string): CalendarDate {
  const wanted = `${String(year).padStart(4, "0")}-${monthDay}`;
  // "02-29" in a common year means the month end.
  return isCalendarDate(wanted) ? wanted : addCalendarDays(addMonths(`${wanted.slice(0, 8)}01`, 1), -1);
}

/**
 * End of `span` counted from `start`. Working-day spans land on a working day by construction;
 * calendar-based ones move to the next working day when `rollToWorkingDay` is set.
 */
export function spanEnd(start: CalendarDate, span: Span, rollToWorkingDay: boolean): CalendarDate {
  if (!isCalendarDate(start)) throw new Error(`起算日期无效 (invalid start date): ${JSON.stringify(start)}`);
  let end: CalendarDate;
  if ("workingDays" in span) return addWorkingDays(start, span.workingDays);
  if ("days" in span) end = addCalendarDays(start, span.days);
  else if ("months" in span) end = addMonths(start, span.months);
  else if ("date" in span) end = span.date;
  else {
    const year = Number(start.slice(0, 4));
    end = monthDayIn(year, span.monthDay);
    if (end < start) end = monthDayIn(year + 1, span.monthDay);
  }
  return rollToWorkingDay ? nextWorkingDayOnOrAfter(end) : end;
}

function checkOverride(name: string, value: CalendarDate | null | undefined): CalendarDate | null {
  if (value === null || value === undefined) return null;
  if (!isCalendarDate(value)) throw new Error(`${name} 日期无效 (invalid ${name}): ${JSON.stringify(value)}`);
  return value;
}

/**
 * Deadlines for one unit's assignment. A per-case override (import columns 答复期限/会办期限) wins over
 * the policy and is kept as written: it is the date printed on the 交办 document.
 */
export function assignmentDeadlines(
  assignedOn: CalendarDate,
  role: AssignmentRole,
  policy: DeadlinePolicy,
  overrides: { replyDeadline?: CalendarDate | null; opinionDeadline?: CalendarDate | null } = {},
): AssignmentDeadlines {
  const roll = policy.rollToWorkingDay;
  const end = (span: Span) => spanEnd(assignedOn, span, roll);
  const replyOverride = checkOverride("replyDeadline", overrides.replyDeadline);
  const opinionOverride = checkOverride("opinionDeadline", overrides.opinionDeadline);
  const base = { signDeadline: end(policy.signFor), adjustDeadline: end(policy.adjustWindow) };
  if (!answersProposer(role)) {
    return {
      ...base,
      opinionDeadline: opinionOverride ?? end(policy.opinion),
      replyDeadline: null,
      extensionCap: null,
    };
  }
  const replyDeadline = replyOverride ?? end(policy.reply);
  let extensionCap = end(policy.extensionCap);
  // A batch or case deadline beyond the usual cap must not make every extension impossible.
  if (extensionCap < replyDeadline) extensionCap = replyDeadline;
  return { ...base, opinionDeadline: null, replyDeadline, extensionCap };
}

/** 公开: the reply is published within the policy span after the reply date. */
export function publishDeadline(repliedOn: CalendarDate, policy: DeadlinePolicy): CalendarDate {
  return spanEnd(repliedOn, policy.publish, policy.rollToWorkingDay);
}

/** 重新办理 after a 不满意 feedback, counted from the feedback date. */
export function rehandleDeadline(feedbackOn: CalendarDate, policy: DeadlinePolicy): CalendarDate {
  return spanEnd(feedbackOn, policy.rehandle, policy.rollToWorkingDay);
}

/** 续办 of a B-class reply (the matter is being worked on), counted from the reply date. */
export function followUpDeadline(repliedOn: CalendarDate, policy: DeadlinePolicy): CalendarDate {
  return spanEnd(repliedOn, policy.followUp, policy.rollToWorkingDay);
}

/** An extension must move the reply deadline later, and not past the cap. */
export function checkExtension(
  requested: CalendarDate,
  current: CalendarDate,
  cap: CalendarDate,
): { ok: true } | { ok: false; reason: "NOT_LATER" | "PAST_CAP" } {
  for (const d of [requested, current, cap]) {
    if (!isCalendarDate(d)) throw new Error(`日期无效 (invalid date): ${JSON.stringify(d)}`);
  }
  if (requested <= current) return { ok: false, reason: "NOT_LATER" };
  if (requested > cap) return { ok: false, reason: "PAST_CAP" };
  return { ok: true };
}
