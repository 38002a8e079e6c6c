// When to remind whom: the reminder policy (defaults from issue 5, overridable per session) and the pure rules that
// turn one stored deadline and "today" into the slot due today, if any. Slots exist only on working days; a deadline
// that falls on a weekend or holiday is reminded on the working days around it (T-1 is the last working day before).
import { z } from "zod";
import { addWorkingDays, type CalendarDate, isWorkingDay, workingDaysBetween } from "./calendar.ts";

export interface ReminderPolicy {
  /** Working days before the deadline: T-15, T-7, T-3, T-1. */
  before: number[];
  /** The morning of the due day. */
  onDueDay: boolean;
  /** While overdue, every N working days (1 = every working day); 0 = no overdue reminders. */
  overdueEvery: number;
  /** Overdue by this many working days → the unit's 分管领导 and the office are told; 0 = never. */
  escalateAfter: number;
}

export const DEFAULT_REMINDER_POLICY: Readonly<ReminderPolicy> = Object.freeze({
  before: Object.freeze([15, 7, 3, 1]) as unknown as number[],
  onDueDay: true,
  overdueEvery: 1,
  escalateAfter: 3,
});

export const reminderPolicySchema = z.strictObject({
  before: z
    .array(z.number().int().min(1).max(250))
    .max(20)
    .refine((a) => new Set(a).size === a.length, "offsets must be unique")
    .optional(),
  onDueDay: z.boolean().optional(),
  overdueEvery: z.number().int().min(0).max(250).optional(),
  escalateAfter: z.number().int().min(0).max(250).optional(),
});

/** Defaults, then each override (null/undefined = none) layered on in order; throws naming the bad key. */
export function resolveReminderPolicy(...overrides: unknown[]): ReminderPolicy {
  let policy: ReminderPolicy = { ...DEFAULT_REMINDER_POLICY, before: [...DEFAULT_REMINDER_POLICY.before] };
  for (const raw of overrides) {
    if (raw === null || raw === undefined) continue;
    const parsed = reminderPolicySchema.safeParse(raw);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      throw new Error(`提醒设置无效 (invalid reminder policy): ${details}`);
    }
    const defined = Object.entries(parsed.data).filter(([, v]) => v !== undefined);
    policy = { ...policy, ...Object.fromEntries(defined) };
  }
  return { ...policy, before: [...policy.before].sort((a, b) => b - a) };
}

export type SlotKind = "BEFORE" | "DUE" | "OVERDUE";

export interface ReminderSlotDue {
  kind: SlotKind;
  /** BEFORE: working days left (the k of T-k); DUE: 0; OVERDUE: working days overdue. */
  workingDays: number;
}

/**
 * Working days left until `deadline`, counted so that addWorkingDays(deadline, -left) === today: a Saturday deadline
 * has 1 left on the Friday before it. Only meaningful when `today` is a working day before the deadline.
 */
export function workingDaysLeft(today: CalendarDate, deadline: CalendarDate): number {
  return workingDaysBetween(today, deadline) + (isWorkingDay(deadline) ? 0 : 1);
}

/** The regular reminder due on `today` for this deadline, or null. Never on a non-working day. */
export function reminderSlotOn(
  deadline: CalendarDate,
  today: CalendarDate,
  policy: ReminderPolicy,
): ReminderSlotDue | null {
  if (!isWorkingDay(today)) return null;
  if (deadline > today) {
    const left = workingDaysLeft(today, deadline);
    return policy.before.includes(left) ? { kind: "BEFORE", workingDays: left } : null;
  }
  if (deadline === today) return policy.onDueDay ? { kind: "DUE", workingDays: 0 } : null;
  const overdue = workingDaysBetween(deadline, today);
  if (policy.overdueEvery <= 0 || overdue < 1) return null;
  return (overdue - 1) % policy.overdueEvery === 0 ? { kind: "OVERDUE", workingDays: overdue } : null;
}

/**
 * The working day on which an overdue deadline escalates (overdue by `escalateAfter` working days), or null when
 * escalation is off. The slot is keyed by this day, so it is delivered once, and late rather than never.
 */
export function escalationDay(deadline: CalendarDate, policy: ReminderPolicy): CalendarDate | null {
  return policy.escalateAfter > 0 ? addWorkingDays(deadline, policy.escalateAfter) : null;
}

/**
 * The deadlines that can have a slot on `today`, for an indexed query: every deadline on or before today (due,
 * overdue, escalation), plus for each offset k the range (today + (k-1) working days, today + k working days].
 * Ranges are [exclusive low, inclusive high].
 */
export function candidateDeadlines(
  today: CalendarDate,
  policy: ReminderPolicy,
): { upTo: CalendarDate; ranges: [CalendarDate, CalendarDate][] } {
  const ranges = policy.before.map((k): [CalendarDate, CalendarDate] => [
    k === 1 ? today : addWorkingDays(today, k - 1),
    addWorkingDays(today, k),
  ]);
  return { upTo: today, ranges };
}

/** When notices may go out: NOTIFY_HOURS ("09:00-17:30" or "always") and NOTIFY_WORKDAYS_ONLY, in TZ_CASES. */
export interface NotifyRules {
  timeZone: string;
  hours: string;
  workdaysOnly: boolean;
}

/** Minutes after midnight of "HH:MM-HH:MM", or null for "always". Throws on anything else. */
export function parseNotifyHours(hours: string): { from: number; to: number } | null {
  if (hours.trim() === "always") return null;
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(hours.trim());
  if (!m) throw new Error(`NOTIFY_HOURS 格式无效 (expected "HH:MM-HH:MM" or "always"): ${JSON.stringify(hours)}`);
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number];
  return { from: h1 * 60 + m1, to: h2 * 60 + m2 };
}

/** The local date and minutes after midnight at `now` in `timeZone`. */
export function localTime(now: Date, timeZone: string): { date: CalendarDate; minutes: number } {
  const fmt = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    calendar: "gregory",
    numberingSystem: "latn",
  });
  const get = (type: string) => fmt.formatToParts(now).find((p) => p.type === type)?.value ?? "";
  return {
    date: `${get("year")}-${get("month")}-${get("day")}`,
    minutes: Number(get("hour")) * 60 + Number(get("minute")),
  };
}

/** Whether reminders and digests may go out at `now`; outside the window they wait for the next opening. */
export function mayNotify(now: Date, rules: NotifyRules): boolean {
  const { date, minutes } = localTime(now, rules.timeZone);
  if (rules.workdaysOnly && !isWorkingDay(date)) return false;
  const window = parseNotifyHours(rules.hours);
  return window === null || (minutes >= window.from && minutes < window.to);
}
