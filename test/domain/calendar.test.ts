// Expected values are official calendar facts, checked against chinese-days 1.5.7's data file
// (node_modules/chinese-days/dist/chinese-days.json, from the State Council's holiday notices), not
// computed by the code under test.
import { describe, expect, it } from "vitest";
import {
  addCalendarDays,
  addMonths,
  addWorkingDays,
  calendarDaysBetween,
  isCalendarDate,
  isoWeekday,
  isWorkingDay,
  nextWorkingDayOnOrAfter,
  parseCalendarDate,
  todayIn,
  workingDaysBetween,
} from "../../domain/calendar.ts";

describe("isWorkingDay", () => {
  it("follows the 2024 Spring Festival arrangement: off 02-10..02-17, makeup Sundays 02-04 and 02-18", () => {
    for (const d of ["2024-02-10", "2024-02-12", "2024-02-14", "2024-02-16", "2024-02-17"]) {
      expect(isWorkingDay(d), d).toBe(false);
    }
    expect(isoWeekday("2024-02-04")).toBe(7);
    expect(isWorkingDay("2024-02-04")).toBe(true);
    expect(isoWeekday("2024-02-18")).toBe(7);
    expect(isWorkingDay("2024-02-18")).toBe(true);
    // 除夕 2024-02-09 (Friday) was not part of the official holiday.
    expect(isWorkingDay("2024-02-09")).toBe(true);
  });

  it("treats 调休 weekend days as working days", () => {
    expect(isoWeekday("2023-10-07")).toBe(6); // Saturday after the 2023 Mid-Autumn + National Day break
    expect(isWorkingDay("2023-10-07")).toBe(true);
    expect(isWorkingDay("2023-10-08")).toBe(true);
    expect(isWorkingDay("2025-04-27")).toBe(true); // Sunday before 2025 Labour Day
    expect(isWorkingDay("2025-09-28")).toBe(true); // Sunday before 2025 National Day
    expect(isWorkingDay("2025-10-11")).toBe(true); // Saturday after it
    expect(isWorkingDay("2026-02-28")).toBe(true); // Saturday after the 2026 Spring Festival
  });

  it("keeps holidays that fall on weekdays off and ordinary weekends off", () => {
    expect(isWorkingDay("2023-10-02")).toBe(false); // Monday, National Day
    expect(isWorkingDay("2025-10-08")).toBe(false); // Wednesday, 2025 National Day + Mid-Autumn
    expect(isWorkingDay("2024-06-15")).toBe(false); // an ordinary Saturday
    expect(isWorkingDay("2024-06-17")).toBe(true);
  });

  it("falls back to Monday–Friday beyond the published years without throwing", () => {
    expect(isWorkingDay("2040-01-01")).toBe(false); // Sunday
    expect(isWorkingDay("2040-01-02")).toBe(true); // Monday
    expect(isWorkingDay("2040-10-01")).toBe(true); // Monday; no arrangement published
    expect(isWorkingDay("2040-10-06")).toBe(false); // Saturday
  });

  it("rejects malformed or impossible dates", () => {
    expect(() => isWorkingDay("2023-02-30")).toThrow(/2023-02-30/);
    expect(() => isWorkingDay("2023/10/07")).toThrow();
  });
});

describe("working-day arithmetic", () => {
  it("counts working days after the start day, skipping the Spring Festival and using makeup days", () => {
    // Thu 2024-02-08: Fri 02-09 (1), holiday 02-10..17, Sun 02-18 makeup (2), Mon 02-19 (3).
    expect(addWorkingDays("2024-02-08", 1)).toBe("2024-02-09");
    expect(addWorkingDays("2024-02-08", 2)).toBe("2024-02-18");
    expect(addWorkingDays("2024-02-08", 3)).toBe("2024-02-19");
  });

  it("n = 0 gives the day itself when working, else the next working day", () => {
    expect(addWorkingDays("2024-02-09", 0)).toBe("2024-02-09");
    expect(addWorkingDays("2024-02-10", 0)).toBe("2024-02-18");
    expect(nextWorkingDayOnOrAfter("2023-09-29")).toBe("2023-10-07");
    expect(nextWorkingDayOnOrAfter("2023-10-09")).toBe("2023-10-09");
  });

  it("counts backwards for negative n", () => {
    expect(addWorkingDays("2024-02-19", -2)).toBe("2024-02-09");
  });

  it("workingDaysBetween counts (from, to] across a holiday, negative when overdue", () => {
    // (02-08, 02-19]: 02-09, 02-18 (makeup), 02-19.
    expect(workingDaysBetween("2024-02-08", "2024-02-19")).toBe(3);
    expect(workingDaysBetween("2024-02-19", "2024-02-08")).toBe(-3);
    expect(workingDaysBetween("2024-02-09", "2024-02-17")).toBe(0);
    expect(workingDaysBetween("2024-06-17", "2024-06-17")).toBe(0);
    // (2023-09-28, 2023-10-09]: 10-07 Sat, 10-08 Sun (调休), 10-09 Mon.
    expect(workingDaysBetween("2023-09-28", "2023-10-09")).toBe(3);
  });
});

describe("calendar arithmetic", () => {
  it("adds months clamped to the month end", () => {
    expect(addMonths("2023-11-30", 3)).toBe("2024-02-29");
    expect(addMonths("2025-11-30", 3)).toBe("2026-02-28");
    expect(addMonths("2023-08-31", 1)).toBe("2023-09-30");
    expect(addMonths("2024-01-31", 1)).toBe("2024-02-29");
    expect(addMonths("2024-03-31", -1)).toBe("2024-02-29");
    expect(addMonths("2024-10-15", 3)).toBe("2025-01-15");
  });

  it("adds calendar days across month, year and leap-day boundaries", () => {
    expect(addCalendarDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addCalendarDays("2023-02-28", 1)).toBe("2023-03-01");
    expect(addCalendarDays("2023-12-31", 1)).toBe("2024-01-01");
    expect(addCalendarDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(calendarDaysBetween("2023-01-01", "2024-01-01")).toBe(365);
    expect(calendarDaysBetween("2024-01-01", "2025-01-01")).toBe(366);
    expect(calendarDaysBetween("2024-03-10", "2024-03-01")).toBe(-9);
  });

  it("rejects fractional counts", () => {
    expect(() => addCalendarDays("2024-01-01", 1.5)).toThrow();
  });
});

describe("todayIn", () => {
  it("is already the next day in Shanghai at 23:30 UTC", () => {
    const now = new Date("2024-02-09T23:30:00Z");
    expect(todayIn("Asia/Shanghai", now)).toBe("2024-02-10");
    expect(todayIn(undefined, now)).toBe("2024-02-10");
    expect(todayIn("UTC", now)).toBe("2024-02-09");
    expect(todayIn("America/New_York", now)).toBe("2024-02-09");
  });

  it("is the same day in Shanghai just before its midnight", () => {
    expect(todayIn("Asia/Shanghai", new Date("2023-12-31T15:59:59Z"))).toBe("2023-12-31");
    expect(todayIn("Asia/Shanghai", new Date("2023-12-31T16:00:00Z"))).toBe("2024-01-01");
  });
});

describe("date validation", () => {
  it("accepts only real dates in canonical form", () => {
    expect(isCalendarDate("2024-02-29")).toBe(true);
    expect(isCalendarDate("2023-02-29")).toBe(false);
    expect(isCalendarDate("2023-02-30")).toBe(false);
    expect(isCalendarDate("2023-13-01")).toBe(false);
    expect(isCalendarDate("2023-8-31")).toBe(false);
    expect(isCalendarDate(" 2023-08-31")).toBe(false);
    expect(isCalendarDate(20230831)).toBe(false);
  });

  it("parseCalendarDate normalises common written forms and rejects impossible dates", () => {
    expect(parseCalendarDate("2023-08-31")).toBe("2023-08-31");
    expect(parseCalendarDate("2023-8-31")).toBe("2023-08-31");
    expect(parseCalendarDate("2023/8/31")).toBe("2023-08-31");
    expect(parseCalendarDate("2023.08.31")).toBe("2023-08-31");
    expect(parseCalendarDate(" 2023年8月31日 ")).toBe("2023-08-31");
    expect(() => parseCalendarDate("2023-02-30")).toThrow(/2023-02-30/);
    expect(() => parseCalendarDate("8月31日")).toThrow();
    expect(() => parseCalendarDate("")).toThrow();
  });
});
