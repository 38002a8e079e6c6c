// When a reminder slot counts as due, for the lateness histogram: office hours opening on its day in TZ_CASES, or the
// slot's creation when that is later.
import { describe, expect, it } from "vitest";
import { slotDueAt } from "../../jobs/send-reminders.ts";

const rules = (hours: string, timeZone = "Asia/Shanghai") => ({ timeZone, hours, workdaysOnly: true });
const at = (iso: string) => new Date(iso).getTime();

describe("a reminder slot's due moment", () => {
  it("is the opening of office hours on its day, in the cases' time zone", () => {
    const created = at("2026-04-12T20:00:00Z"); // 04:00 on the 13th in Shanghai
    expect(slotDueAt("2026-04-13", created, rules("09:00-17:30"))).toBe(at("2026-04-13T09:00:00+08:00"));
    expect(slotDueAt("2026-04-13", created, rules("08:30-12:00"))).toBe(at("2026-04-13T08:30:00+08:00"));
  });

  it("is midnight when notices may go at any hour", () => {
    expect(slotDueAt("2026-04-13", at("2026-04-01T00:00:00Z"), rules("always"))).toBe(at("2026-04-13T00:00:00+08:00"));
  });

  it("is the slot's creation when it appeared after the opening", () => {
    const created = at("2026-04-13T10:15:00+08:00");
    expect(slotDueAt("2026-04-13", created, rules("09:00-17:30"))).toBe(created);
  });

  it("follows the zone's offset on the day itself, daylight saving included", () => {
    const created = at("2026-01-01T00:00:00Z");
    expect(slotDueAt("2026-01-15", created, rules("09:00-17:00", "America/New_York"))).toBe(
      at("2026-01-15T09:00:00-05:00"),
    );
    expect(slotDueAt("2026-07-15", created, rules("09:00-17:00", "America/New_York"))).toBe(
      at("2026-07-15T09:00:00-04:00"),
    );
  });
});
