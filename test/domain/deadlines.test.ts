// Expected dates are official calendar facts, checked against chinese-days 1.5.7's data file
// (node_modules/chinese-days/dist/chinese-days.json), not computed by the code under test.
import { describe, expect, it } from "vitest";
import {
  assignmentDeadlines,
  checkExtension,
  followUpDeadline,
  publishDeadline,
  rehandleDeadline,
  spanEnd,
} from "../../domain/deadlines.ts";
import { DEFAULT_POLICY, deadlinePolicySchema, parseSpan, resolvePolicy } from "../../domain/policy.ts";

describe("assignmentDeadlines with the default policy", () => {
  it("交办 on Friday 2025-09-26 before National Day: 签收 by Tue 09-30 via the makeup Sunday 09-28", () => {
    // 2025: 10-01..10-08 off; Sun 09-28 and Sat 10-11 are working days.
    const d = assignmentDeadlines("2025-09-26", "LEAD", DEFAULT_POLICY);
    expect(d.signDeadline).toBe("2025-09-30"); // 09-28, 09-29, 09-30
    expect(d.adjustDeadline).toBe("2025-10-10"); // then 10-09, 10-10
    expect(d.replyDeadline).toBe("2025-12-26"); // + 3 months, a Friday
    expect(d.extensionCap).toBe("2026-03-26"); // + 6 months, a Thursday
    expect(d.opinionDeadline).toBeNull();
  });

  it("交办 on Friday 2024-09-27: 签收 crosses the 2024 National Day break", () => {
    // 2024: 10-01..10-07 off; Sun 09-29 and Sat 10-12 are working days.
    const d = assignmentDeadlines("2024-09-27", "SEPARATE", DEFAULT_POLICY);
    expect(d.signDeadline).toBe("2024-10-08"); // 09-29, 09-30, 10-08
  });

  it("gives 会办/协办 units an opinion deadline and no reply deadline", () => {
    const d = assignmentDeadlines("2024-01-10", "JOINT", DEFAULT_POLICY);
    // + 1 month = Sat 2024-02-10, first day of the Spring Festival break (02-10..02-17);
    // the next working day is the makeup Sunday 2024-02-18.
    expect(d.opinionDeadline).toBe("2024-02-18");
    expect(d.replyDeadline).toBeNull();
    expect(d.extensionCap).toBeNull();
    expect(assignmentDeadlines("2024-01-10", "ASSIST", DEFAULT_POLICY).opinionDeadline).toBe("2024-02-18");
  });

  it("uses month-end arithmetic: 2023-11-30 + 3 months = 2024-02-29", () => {
    expect(assignmentDeadlines("2023-11-30", "LEAD", DEFAULT_POLICY).replyDeadline).toBe("2024-02-29");
    // 2026-02-28 is a Saturday but a 调休 working day after the 2026 Spring Festival, so it stays.
    expect(assignmentDeadlines("2025-11-30", "LEAD", DEFAULT_POLICY).replyDeadline).toBe("2026-02-28");
    expect(assignmentDeadlines("2024-01-31", "JOINT", DEFAULT_POLICY).opinionDeadline).toBe("2024-02-29");
  });

  it("rolls a reply deadline on a Saturday to Monday, and not when rollToWorkingDay is false", () => {
    // 2024-03-15 + 3 months = Sat 2024-06-15.
    expect(assignmentDeadlines("2024-03-15", "LEAD", DEFAULT_POLICY).replyDeadline).toBe("2024-06-17");
    const noRoll = resolvePolicy({ rollToWorkingDay: false });
    expect(assignmentDeadlines("2024-03-15", "LEAD", noRoll).replyDeadline).toBe("2024-06-15");
  });

  it("rolls the extension cap past the 2024 Mid-Autumn break", () => {
    // 2024-03-15 + 6 months = Sun 09-15; 09-15..09-17 off, so Wed 09-18.
    expect(assignmentDeadlines("2024-03-15", "LEAD", DEFAULT_POLICY).extensionCap).toBe("2024-09-18");
  });
});

describe("session policy and per-case overrides", () => {
  const session = resolvePolicy({ reply: { date: "2023-08-31" }, opinion: { date: "2023-06-30" } });

  it("a session's fixed dates apply to every case whatever its 交办 date", () => {
    for (const assignedOn of ["2023-03-01", "2023-05-20"]) {
      expect(assignmentDeadlines(assignedOn, "LEAD", session).replyDeadline).toBe("2023-08-31");
      expect(assignmentDeadlines(assignedOn, "JOINT", session).opinionDeadline).toBe("2023-06-30");
    }
  });

  it("a per-case 答复期限/会办期限 wins over the policy and is kept as written", () => {
    const lead = assignmentDeadlines("2023-03-01", "LEAD", session, { replyDeadline: "2023-07-15" });
    expect(lead.replyDeadline).toBe("2023-07-15"); // a Saturday, but that is the date on the document
    const joint = assignmentDeadlines("2023-03-01", "JOINT", session, { opinionDeadline: "2023-05-31" });
    expect(joint.opinionDeadline).toBe("2023-05-31");
    const fallback = assignmentDeadlines("2023-03-01", "LEAD", session, { replyDeadline: null });
    expect(fallback.replyDeadline).toBe("2023-08-31");
  });

  it("an override beyond the usual cap raises the cap to it", () => {
    const d = assignmentDeadlines("2023-03-01", "LEAD", DEFAULT_POLICY, { replyDeadline: "2023-12-29" });
    expect(d.extensionCap).toBe("2023-12-29");
  });

  it("rejects an invalid override date", () => {
    expect(() => assignmentDeadlines("2023-03-01", "LEAD", session, { replyDeadline: "2023-02-30" })).toThrow(
      /replyDeadline/,
    );
  });
});

describe("later steps", () => {
  it("公开 within 20 working days of the reply, across the 2024 National Day break", () => {
    // After Fri 2024-09-27: 09-29 (makeup), 09-30, 10-08..10-11, 10-12 (makeup), then weekdays to 10-30.
    expect(publishDeadline("2024-09-27", DEFAULT_POLICY)).toBe("2024-10-30");
  });

  it("重新办理 one month after the 不满意 feedback", () => {
    expect(rehandleDeadline("2024-01-10", DEFAULT_POLICY)).toBe("2024-02-18");
    expect(rehandleDeadline("2024-05-20", resolvePolicy({ rehandle: { days: 15 } }))).toBe("2024-06-04");
  });

  it("续办 by year end, rolled past New Year's Day, and into next year once the date has passed", () => {
    expect(followUpDeadline("2024-07-10", DEFAULT_POLICY)).toBe("2024-12-31");
    // Sun 2023-12-31, then the 2024-01-01 holiday: Tue 2024-01-02.
    expect(followUpDeadline("2023-06-01", DEFAULT_POLICY)).toBe("2024-01-02");
    const september = resolvePolicy({ followUp: { monthDay: "09-30" } });
    expect(followUpDeadline("2024-10-15", september)).toBe("2025-09-30");
    expect(followUpDeadline("2024-09-30", september)).toBe("2024-09-30");
  });

  it("spanEnd: working-day spans never roll; 02-29 clamps in common years", () => {
    expect(spanEnd("2024-02-08", { workingDays: 2 }, false)).toBe("2024-02-18");
    expect(spanEnd("2025-01-05", { monthDay: "02-29" }, false)).toBe("2025-02-28");
    expect(spanEnd("2024-01-05", { monthDay: "02-29" }, false)).toBe("2024-02-29");
    expect(spanEnd("2024-02-08", { days: 2 }, true)).toBe("2024-02-18");
    expect(spanEnd("2024-02-08", { days: 2 }, false)).toBe("2024-02-10");
  });
});

describe("checkExtension", () => {
  it("accepts a later date up to the cap", () => {
    expect(checkExtension("2024-08-30", "2024-06-17", "2024-09-18")).toEqual({ ok: true });
    expect(checkExtension("2024-09-18", "2024-06-17", "2024-09-18")).toEqual({ ok: true });
  });

  it("refuses a date past the cap or not later than the current deadline", () => {
    expect(checkExtension("2024-09-19", "2024-06-17", "2024-09-18")).toEqual({ ok: false, reason: "PAST_CAP" });
    expect(checkExtension("2024-06-17", "2024-06-17", "2024-09-18")).toEqual({ ok: false, reason: "NOT_LATER" });
    expect(checkExtension("2024-06-01", "2024-06-17", "2024-09-18")).toEqual({ ok: false, reason: "NOT_LATER" });
  });
});

describe("parseSpan", () => {
  it.each([
    ["3个工作日", { workingDays: 3 }],
    ["3 个工作日内", { workingDays: 3 }],
    ["5 working days", { workingDays: 5 }],
    ["1 working day", { workingDays: 1 }],
    ["二十个工作日", { workingDays: 20 }],
    ["1个月", { months: 1 }],
    ["三个月", { months: 3 }],
    ["两个月", { months: 2 }],
    ["3 months", { months: 3 }],
    ["15天", { days: 15 }],
    ["十五日内", { days: 15 }],
    ["15 days", { days: 15 }],
    ["一周", { days: 7 }],
    ["2023-08-31", { date: "2023-08-31" }],
    ["2023年8月31日", { date: "2023-08-31" }],
    ["2023年8月31日前", { date: "2023-08-31" }],
    ["2024年2月底", { date: "2024-02-29" }],
    ["8月31日", { monthDay: "08-31" }],
    ["6月30日前", { monthDay: "06-30" }],
    ["08-31", { monthDay: "08-31" }],
    ["8月底前", { monthDay: "08-31" }],
    ["年底", { monthDay: "12-31" }],
  ])("%s", (text, span) => {
    expect(parseSpan(text)).toEqual(span);
  });

  it.each(["", "soon", "3", "3月", "2023-02-30", "2月30日", "13-01", "-1 days", "3.5个月", "1000个月"])(
    "rejects %j",
    (text) => {
      expect(() => parseSpan(text)).toThrow(/无法识别的期限/);
    },
  );
});

describe("resolvePolicy", () => {
  it("starts from the spec defaults", () => {
    expect(resolvePolicy()).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY.signFor).toEqual({ workingDays: 3 });
    expect(DEFAULT_POLICY.reply).toEqual({ months: 3 });
    expect(DEFAULT_POLICY.followUp).toEqual({ monthDay: "12-31" });
    expect(DEFAULT_POLICY.replyClasses).toEqual(["A", "B", "C"]);
  });

  it("layers overrides in order, skipping null", () => {
    const p = resolvePolicy({ reply: { months: 5 }, replyClasses: ["A", "B", "C", "D"] }, null, {
      reply: { days: 60 },
    });
    expect(p.reply).toEqual({ days: 60 });
    expect(p.replyClasses).toEqual(["A", "B", "C", "D"]);
    expect(p.signFor).toEqual({ workingDays: 3 });
  });

  it("rejects a bad override with a message naming the key", () => {
    expect(() => resolvePolicy({ reply: { months: -1 } })).toThrow(/办理期限设置无效.*invalid deadline policy.*reply/);
    expect(() => resolvePolicy({ reply: "3个月" })).toThrow(/reply/);
    expect(() => resolvePolicy({ publish: { weeks: 2 } })).toThrow(/publish/);
    expect(() => resolvePolicy({ replyDeadline: { months: 3 } })).toThrow(/unknown key.*replyDeadline/);
    expect(() => resolvePolicy({ rollToWorkingDay: "yes" })).toThrow(/rollToWorkingDay/);
    expect(() => resolvePolicy({ replyClasses: [] })).toThrow(/replyClasses/);
    expect(() => resolvePolicy({ followUp: { monthDay: "02-30" } })).toThrow(/followUp/);
    expect(() => resolvePolicy({ reply: { date: "2023-02-30" } })).toThrow(/reply/);
  });

  it("the stored-override schema is partial and strict", () => {
    expect(deadlinePolicySchema.safeParse({}).success).toBe(true);
    expect(deadlinePolicySchema.safeParse({ opinion: { monthDay: "06-30" } }).success).toBe(true);
    expect(deadlinePolicySchema.safeParse({ opinion: { months: 1, days: 2 } }).success).toBe(false);
  });
});
