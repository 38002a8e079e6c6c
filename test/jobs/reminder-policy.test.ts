// The pure reminder rules: which day gets which slot, per-session overrides, and the quiet rules.
import { describe, expect, it } from "vitest";
import { addCalendarDays, type CalendarDate } from "../../domain/calendar.ts";
import {
  candidateDeadlines,
  DEFAULT_REMINDER_POLICY,
  escalationDay,
  mayNotify,
  reminderSlotOn,
  resolveReminderPolicy,
} from "../../domain/reminders.ts";

const policy = resolveReminderPolicy();

function slotDays(deadline: CalendarDate, from: CalendarDate, to: CalendarDate) {
  const out: string[] = [];
  for (let d = from; d <= to; d = addCalendarDays(d, 1)) {
    const slot = reminderSlotOn(deadline, d, policy);
    if (slot) out.push(`${d} ${slot.kind}${slot.workingDays}`);
  }
  return out;
}

describe("reminder slots", () => {
  it("places T-15/T-7/T-3/T-1, the due day and each overdue day on working days only (清明 2026)", () => {
    // Assigned Friday 2026-04-03 before 清明 (04-04..04-06): 签收 in 3 working days is Thursday 04-09.
    expect(slotDays("2026-04-09", "2026-03-01", "2026-04-15")).toEqual([
      "2026-03-18 BEFORE15",
      "2026-03-30 BEFORE7",
      "2026-04-03 BEFORE3",
      "2026-04-08 BEFORE1",
      "2026-04-09 DUE0",
      "2026-04-10 OVERDUE1",
      "2026-04-13 OVERDUE2",
      "2026-04-14 OVERDUE3",
      "2026-04-15 OVERDUE4",
    ]);
    expect(escalationDay("2026-04-09", policy)).toBe("2026-04-14");
  });

  it("reminds a deadline on a holiday on the last working day before it, then as overdue", () => {
    // 2026-10-03 is in the National Day holiday; 09-30 is the last working day before it.
    expect(slotDays("2026-10-03", "2026-09-28", "2026-10-12")).toEqual([
      "2026-09-28 BEFORE3",
      "2026-09-30 BEFORE1",
      "2026-10-08 OVERDUE1",
      "2026-10-09 OVERDUE2",
      "2026-10-10 OVERDUE3", // 调休 Saturday is a working day
      "2026-10-12 OVERDUE4",
    ]);
  });

  it("finds every deadline with a slot today through the candidate ranges", () => {
    const today = "2026-04-03";
    const { upTo, ranges } = candidateDeadlines(today, policy);
    for (let d = "2026-04-04"; d <= "2026-05-30"; d = addCalendarDays(d, 1)) {
      const inRange = d <= upTo || ranges.some(([lo, hi]) => d > lo && d <= hi);
      expect(inRange, d).toBe(reminderSlotOn(d, today, policy) !== null);
    }
  });

  it("takes per-session overrides and rejects bad ones by name", () => {
    const custom = resolveReminderPolicy({ before: [5, 10], overdueEvery: 2, escalateAfter: 5 });
    expect(custom).toEqual({ before: [10, 5], onDueDay: true, overdueEvery: 2, escalateAfter: 5 });
    expect(slotDays("2026-04-09", "2026-04-10", "2026-04-16").map((s) => s.slice(0, 10))).toHaveLength(5);
    expect(() => resolveReminderPolicy({ before: [0] })).toThrow(/before/);
    expect(() => resolveReminderPolicy({ every: 1 })).toThrow(/提醒设置无效/);
    expect(DEFAULT_REMINDER_POLICY.before).toEqual([15, 7, 3, 1]);
  });
});

describe("quiet rules", () => {
  const rules = { timeZone: "Asia/Shanghai", hours: "09:00-17:30", workdaysOnly: true };
  const at = (local: string) => new Date(`${local}:00+08:00`);
  it("allow notices only within office hours on working days, in Shanghai time", () => {
    expect(mayNotify(at("2026-04-03T08:59"), rules)).toBe(false);
    expect(mayNotify(at("2026-04-03T09:00"), rules)).toBe(true);
    expect(mayNotify(at("2026-04-03T17:29"), rules)).toBe(true);
    expect(mayNotify(at("2026-04-03T17:30"), rules)).toBe(false);
    expect(mayNotify(at("2026-04-06T10:00"), rules)).toBe(false); // 清明 holiday Monday
    expect(mayNotify(at("2026-10-10T10:00"), rules)).toBe(true); // 调休 Saturday
  });
  it("let 'always' and workdaysOnly=false open the window for tests and demos", () => {
    expect(mayNotify(at("2026-04-06T03:00"), { ...rules, hours: "always", workdaysOnly: false })).toBe(true);
    expect(() => mayNotify(at("2026-04-07T03:00"), { ...rules, hours: "9-5" })).toThrow(/NOTIFY_HOURS/);
  });
});
