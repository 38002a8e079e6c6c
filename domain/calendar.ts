// Calendar dates as plain "YYYY-MM-DD" strings. Arithmetic runs on UTC day numbers so the
// process time zone never shifts a date; "today" is always asked for in an explicit zone.
// The package's prebuilt data file, not its isWorkday(): that builds its table with UTC parsing and local
// formatting, so west of Greenwich (e.g. TZ=America/Los_Angeles) every holiday shifts by one day.
import chineseDaysData from "chinese-days/dist/chinese-days.json" with { type: "json" };

export type CalendarDate = string;

export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

const DAY_MS = 86_400_000;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0); // day 0 of the next month = last day of `month`
  return d.getUTCDate();
}

function utcDate(year: number, month: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years < 100 literal, unlike Date.UTC
  return d;
}

function fromUtc(d: Date): CalendarDate {
  const y = String(d.getUTCFullYear()).padStart(4, "0");
  const m = String(d.getUTCMonth() + 1).padStart(2, "0");
  const day = String(d.getUTCDate()).padStart(2, "0");
  return `${y}-${m}-${day}`;
}

function parts(date: CalendarDate): [number, number, number] {
  const m = ISO_RE.exec(date);
  if (!m) throw new Error(`日期格式无效 (invalid calendar date, expected YYYY-MM-DD): ${JSON.stringify(date)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    throw new Error(`日期不存在 (no such calendar date): ${JSON.stringify(date)}`);
  }
  return [y, mo, d];
}

function toUtc(date: CalendarDate): Date {
  const [y, m, d] = parts(date);
  return utcDate(y, m, d);
}

/** True for a real date in canonical "YYYY-MM-DD" form (2023-02-30 is not). */
export function isCalendarDate(s: unknown): boolean {
  if (typeof s !== "string") return false;
  try {
    parts(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Accepts "2023-08-31", "2023-8-31", "2023/8/31", "2023.8.31" and "2023年8月31日" and returns the
 * canonical form; throws on anything else or on a date that does not exist.
 */
export function parseCalendarDate(s: string): CalendarDate {
  const m = /^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*(?:日|号)?$/.exec(s.trim());
  if (!m) throw new Error(`日期格式无效 (invalid date, expected YYYY-MM-DD): ${JSON.stringify(s)}`);
  const date = `${m[1]}-${m[2]?.padStart(2, "0")}-${m[3]?.padStart(2, "0")}`;
  parts(date);
  return date;
}

/** Monday = 1 … Sunday = 7. */
export function isoWeekday(date: CalendarDate): number {
  return toUtc(date).getUTCDay() || 7;
}

// A copy, so addOfficialDays never writes into the package's module.
const OFFICIAL: { holidays: Record<string, string>; workdays: Record<string, string> } = {
  holidays: { ...chineseDaysData.holidays },
  workdays: { ...chineseDaysData.workdays },
};

/**
 * Official working day per chinese-days (holidays and 调休 makeup days). Outside the years it has data
 * for (2004 to the latest State Council notice) this is Monday–Friday, as the package's own isWorkday does.
 */
export function isWorkingDay(date: CalendarDate): boolean {
  parts(date);
  if (Object.hasOwn(OFFICIAL.workdays, date)) return true;
  if (Object.hasOwn(OFFICIAL.holidays, date)) return false;
  return isoWeekday(date) <= 5;
}

/** The last year the official calendar data covers: later dates count Monday–Friday until it is given. */
export function lastOfficialYear(): number {
  return Math.max(...Object.keys(OFFICIAL.holidays).map((d) => Number(d.slice(0, 4))));
}

/**
 * Adds official days the package does not have yet: the State Council publishes next year's holidays and 调休 in
 * November or December, often before the package is updated. Called once at start (HOLIDAYS_FILE), before any
 * deadline is computed; a date may not be both a holiday and a makeup working day.
 */
export function addOfficialDays(days: { holidays: CalendarDate[]; workdays: CalendarDate[] }): void {
  for (const date of [...days.holidays, ...days.workdays]) parts(date);
  const both = days.holidays.filter((d) => days.workdays.includes(d));
  if (both.length) throw new Error(`同一天既是假日又是调休上班日 (both holiday and workday): ${both.join(", ")}`);
  for (const date of days.holidays) {
    delete OFFICIAL.workdays[date];
    OFFICIAL.holidays[date] = "HOLIDAYS_FILE";
  }
  for (const date of days.workdays) {
    delete OFFICIAL.holidays[date];
    OFFICIAL.workdays[date] = "HOLIDAYS_FILE";
  }
}

export function addCalendarDays(date: CalendarDate, n: number): CalendarDate {
  assertInteger(n);
  return fromUtc(new Date(toUtc(date).getTime() + n * DAY_MS));
}

/** Clamped to the month end: 2023-08-31 + 1 month = 2023-09-30. */
export function addMonths(date: CalendarDate, n: number): CalendarDate {
  assertInteger(n);
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) + n;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return fromUtc(utcDate(year, month, Math.min(d, daysInMonth(year, month))));
}

export function nextWorkingDayOnOrAfter(date: CalendarDate): CalendarDate {
  let d = date;
  while (!isWorkingDay(d)) d = addCalendarDays(d, 1);
  return d;
}

/**
 * The n-th working day after `date` (the start day itself is not counted); n = 0 gives `date` if it is
 * a working day, else the next one. Negative n counts backwards.
 */
export function addWorkingDays(date: CalendarDate, n: number): CalendarDate {
  assertInteger(n);
  if (n === 0) return nextWorkingDayOnOrAfter(date);
  const step = n > 0 ? 1 : -1;
  let left = Math.abs(n);
  let d = date;
  while (left > 0) {
    d = addCalendarDays(d, step);
    if (isWorkingDay(d)) left--;
  }
  return d;
}

export function calendarDaysBetween(from: CalendarDate, to: CalendarDate): number {
  return Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / DAY_MS);
}

/**
 * Working days in (from, to] when to > from, minus those in (to, from] otherwise: "剩N个工作日"
 * counts tomorrow-if-working up to and including the deadline day.
 */
export function workingDaysBetween(from: CalendarDate, to: CalendarDate): number {
  const span = calendarDaysBetween(from, to);
  const [lo, sign] = span >= 0 ? [from, 1] : [to, -1];
  let count = 0;
  for (let i = 1; i <= Math.abs(span); i++) {
    if (isWorkingDay(addCalendarDays(lo, i))) count++;
  }
  return sign * count;
}

/** The calendar date at `now` in `timeZone` (Asia/Shanghai by default). */
export function todayIn(timeZone: string = DEFAULT_TIME_ZONE, now: Date = new Date()): CalendarDate {
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    calendar: "gregory",
    numberingSystem: "latn",
  });
  const get = (type: string) => fmt.formatToParts(now).find((p) => p.type === type)?.value ?? "";
  const date = `${get("year").padStart(4, "0")}-${get("month")}-${get("day")}`;
  if (!isCalendarDate(date)) throw new Error(`无法取得当天日期 (cannot determine today in ${timeZone})`);
  return date;
}

function assertInteger(n: number): void {
  if (!Number.isSafeInteger(n)) throw new Error(`天数/月数须为整数 (expected an integer count): ${n}`);
}
