// HOLIDAYS_FILE: next year's official holidays and 调休 working days, for when the State Council has published them
// and chinese-days has not caught up. JSON: { "holidays": ["2027-01-01", …], "workdays": ["2027-02-14", …] }
// (dates as lists, or as chinese-days' own { "2027-01-01": "元旦" } maps).
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { addOfficialDays, isCalendarDate, lastOfficialYear } from "../domain/calendar.ts";

const date = z.string().refine(isCalendarDate, "must be a real date written YYYY-MM-DD");
const days = z.union([z.array(date), z.record(date, z.string())]).default([]);
const holidaysFile = z.strictObject({ holidays: days, workdays: days });

export class HolidaysFileError extends Error {}

/** Reads and applies the file; returns the last year the calendar covers now. Throws HolidaysFileError, all at once. */
export async function loadHolidaysFile(path: string): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
    throw new HolidaysFileError(`HOLIDAYS_FILE (${path}): ${why}`);
  }
  const parsed = holidaysFile.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`).join("; ");
    throw new HolidaysFileError(`HOLIDAYS_FILE (${path}): ${problems}`);
  }
  const list = (d: string[] | Record<string, string>) => (Array.isArray(d) ? d : Object.keys(d));
  try {
    addOfficialDays({ holidays: list(parsed.data.holidays), workdays: list(parsed.data.workdays) });
  } catch (error) {
    throw new HolidaysFileError(`HOLIDAYS_FILE (${path}): ${(error as Error).message}`);
  }
  return lastOfficialYear();
}
