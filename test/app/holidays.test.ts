// HOLIDAYS_FILE: next year's official days given before the package has them. Changes this file's module state only
// (vitest runs each test file in its own module graph), with 2031 dates no other test here uses.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HolidaysFileError, loadHolidaysFile } from "../../app/holidays.ts";
import { addWorkingDays, isWorkingDay, lastOfficialYear } from "../../domain/calendar.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "casebot-holidays-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe("HOLIDAYS_FILE", () => {
  it("refuses a bad file with every problem named, and changes nothing", async () => {
    const before = lastOfficialYear();
    const bad = await file("bad.json", JSON.stringify({ holidays: ["2031-02-30", "2031-1-1"], extra: true }));
    const error = await loadHolidaysFile(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HolidaysFileError);
    expect(String(error)).toMatch(/holidays\.0: must be a real date.*holidays\.1: must be a real date/);
    expect(String(error)).toContain("extra");
    const both = await file("both.json", JSON.stringify({ holidays: ["2031-02-03"], workdays: ["2031-02-03"] }));
    await expect(loadHolidaysFile(both)).rejects.toThrow("同一天既是假日又是调休上班日");
    await expect(loadHolidaysFile(join(dir, "missing.json"))).rejects.toThrow("file not found");
    await expect(loadHolidaysFile(await file("broken.json", "{"))).rejects.toThrow(HolidaysFileError);
    expect(isWorkingDay("2031-02-03")).toBe(true);
    expect(lastOfficialYear()).toBe(before);
  });

  it("adds a Spring Festival week and its makeup Saturday: deadlines count them from then on", async () => {
    // Monday 2031-01-27 + 5 working days, Mon–Fri only: Monday 02-03.
    expect(addWorkingDays("2031-01-27", 5)).toBe("2031-02-03");
    const notice = {
      holidays: { "2031-01-30": "春节", "2031-01-31": "春节", "2031-02-03": "春节", "2031-02-04": "春节" },
      workdays: ["2031-02-08"], // a Saturday
    };
    expect(await loadHolidaysFile(await file("2031.json", JSON.stringify(notice)))).toBe(2031);
    expect(isWorkingDay("2031-02-03")).toBe(false);
    expect(isWorkingDay("2031-02-08")).toBe(true);
    // 01-28, 01-29, then 02-05, 02-06, 02-07.
    expect(addWorkingDays("2031-01-27", 5)).toBe("2031-02-07");
    expect(lastOfficialYear()).toBe(2031);
  });
});
