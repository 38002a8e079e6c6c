import { describe, expect, it } from "vitest";
import {
  classShares,
  computeStatistics,
  formatRatio,
  formatTenths,
  isOverdue,
  partitionTenths,
  percentTenths,
  type StatRow,
  statisticsByUnit,
} from "../../domain/statistics.ts";

const TODAY = "2023-12-20";
const ABC = ["A", "B", "C"];
let nextCase = 1;

/** A 主办 assignment replied on time, class A, met face to face, rated 满意; override what a test is about. */
function lead(over: Partial<StatRow> = {}): StatRow {
  return {
    caseId: nextCase++,
    kind: "PROPOSAL",
    unitId: 1,
    role: "LEAD",
    state: "REPLIED",
    signed: true,
    signDeadline: "2023-03-15",
    replyDeadline: "2023-06-10",
    opinionDeadline: null,
    rehandleDeadline: null,
    publishDeadline: null,
    publishedOn: null,
    repliedOn: "2023-06-01",
    replyClass: "A",
    opinionSentOn: null,
    leadReplyClass: "A",
    metFace: true,
    latestRating: "SATISFIED",
    everUnsatisfied: false,
    followUps: 0,
    followUpsResolved: 0,
    ...over,
  };
}

/** A 会办 assignment whose opinion went in on time; `leadReplyClass` is the 主办's class. */
function joint(over: Partial<StatRow> = {}): StatRow {
  return lead({
    role: "JOINT",
    state: "OPINION_SENT",
    replyDeadline: null,
    opinionDeadline: "2023-04-10",
    opinionSentOn: "2023-04-01",
    repliedOn: null,
    replyClass: null,
    metFace: false,
    latestRating: null,
    ...over,
  });
}

const waiting = (over: Partial<StatRow> = {}) =>
  lead({ state: "IN_PROGRESS", repliedOn: null, replyClass: null, latestRating: null, metFace: false, ...over });
const stats = (rows: StatRow[]) => computeStatistics(rows, TODAY, ABC);

describe("shares as the reports print them", () => {
  it("rounds a share half up to one decimal, in integers", () => {
    expect(percentTenths(1, 8)).toBe(125); // 12.5% exactly
    expect(percentTenths(1, 16)).toBe(63); // 6.25% → 6.3%
    expect(percentTenths(2, 3)).toBe(667);
    expect(() => percentTenths(1, 0)).toThrow(RangeError);
  });

  it("reproduces 上海民政 2021: the A/B/C shares add up to 100.0%, the difference going to the largest", () => {
    // 41/46 alone rounds to 89.1% and 45/48 to 93.8%; the report prints 89.2% and 93.7%.
    expect(partitionTenths([41, 2, 3]).map(formatTenths)).toEqual(["89.2%", "4.3%", "6.5%"]);
    expect(partitionTenths([45, 1, 2]).map(formatTenths)).toEqual(["93.7%", "2.1%", "4.2%"]);
    for (const counts of [
      [1, 1, 1],
      [12, 3, 3],
      [7, 0, 0],
      [5, 5, 1, 1],
    ]) {
      expect(partitionTenths(counts).reduce((a, b) => a + b, 0)).toBe(1000);
    }
    expect(partitionTenths([0, 0, 0])).toEqual([0, 0, 0]);
  });

  it("always prints one decimal, and nothing at all for an empty denominator", () => {
    expect(formatRatio({ part: 46, whole: 46 })).toBe("100.0%");
    expect(formatRatio({ part: 0, whole: 3 })).toBe("0.0%");
    expect(formatRatio({ part: 0, whole: 0 })).toBeNull();
    expect(classShares([{ replyClass: "A", count: 3 }]).map((c) => c.share)).toEqual(["100.0%"]);
  });
});

describe("computeStatistics", () => {
  it("counts cases by kind and assignments by role", () => {
    const s = stats([
      lead({ kind: "SUGGESTION" }),
      lead(),
      joint(),
      joint({ role: "ASSIST" }),
      lead({ role: "SEPARATE" }),
    ]);
    expect(s.byKind).toEqual({ MOTION: 0, SUGGESTION: 1, PROPOSAL: 4 });
    expect(s.byRole).toEqual({ LEAD: 2, SEPARATE: 1, JOINT: 1, ASSIST: 1 });
    expect(s.cases).toBe(5);
  });

  it("never counts a WITHDRAWN assignment, in any figure", () => {
    const kept = [lead(), joint()];
    const moved = lead({ state: "WITHDRAWN", repliedOn: null, replyClass: null, latestRating: "UNSATISFIED" });
    expect(stats([...kept, moved])).toEqual(stats(kept));
  });

  it("办复率 counts 主办/分办 that replied or are past their deadline, not those still within their term", () => {
    const s = stats([
      lead(),
      lead({ repliedOn: "2023-12-01", replyDeadline: "2024-02-01" }), // replied early: counted on both sides
      waiting({ replyDeadline: "2023-12-19" }), // overdue: due, not replied
      waiting({ replyDeadline: TODAY }), // due today: still on time
      waiting({ replyDeadline: "2024-03-01" }),
      joint(),
    ]);
    expect(s.replyRate).toEqual({ part: 2, whole: 3 });
    expect(s.reply).toMatchObject({ notYetDue: 2, overdue: 1 });
  });

  it("按期办结率 is over the replies: on the deadline counts, a day late does not", () => {
    const s = stats([lead({ repliedOn: "2023-06-10" }), lead({ repliedOn: "2023-06-11" }), waiting()]);
    expect(s.onTimeRate).toEqual({ part: 1, whole: 2 });
  });

  it("counts first-reply classes in the policy's order, zeros kept, unknown classes after", () => {
    const s = stats([lead({ replyClass: "B" }), lead({ replyClass: "D" }), lead(), waiting()]);
    expect(s.classes).toEqual([
      { replyClass: "A", count: 1 },
      { replyClass: "B", count: 1 },
      { replyClass: "C", count: 0 },
      { replyClass: "D", count: 1 },
    ]);
  });

  it("counts a 会办 case by its 主办's reply (安康: 主办1 会办5 → A类3 B类3), and each case once", () => {
    const ankang = [lead(), ...["A", "A", "B", "B", "B"].map((c) => joint({ leadReplyClass: c }))];
    expect(stats(ankang).caseClasses.map((c) => c.count)).toEqual([3, 3, 0]);
    expect(stats(ankang).classes.map((c) => c.count)).toEqual([1, 0, 0]);
    // All units: the 主办 row and the 会办 row of one case are one case.
    const both = [lead({ caseId: 900, replyClass: "C" }), joint({ caseId: 900, unitId: 2, leadReplyClass: "C" })];
    expect(stats(both).caseClasses.map((c) => c.count)).toEqual([0, 0, 1]);
  });

  it("满意率 counts 满意 and 基本满意 over the feedback received, by each reply's latest rating", () => {
    const s = stats([
      lead(),
      lead({ latestRating: "BASICALLY_SATISFIED" }),
      lead({ latestRating: "UNSATISFIED", everUnsatisfied: true }),
      lead({ latestRating: "SATISFIED", everUnsatisfied: true }), // satisfied after 重新办理
      lead({ latestRating: null }),
    ]);
    expect(s.satisfactionRate).toEqual({ part: 3, whole: 4 });
    expect(s.basicSatisfactionRate).toEqual({ part: 1, whole: 4 });
    expect(s.feedback).toEqual({ received: 4, satisfied: 2, basicallySatisfied: 1, unsatisfied: 1 });
    expect(s.rehandled).toEqual({ count: 2, nowSatisfied: 1 });
  });

  it("面商率 is over the 主办/分办 that replied or already met; 会办 units are not asked to meet", () => {
    const s = stats([lead(), lead({ metFace: false }), waiting(), waiting({ metFace: true }), joint()]);
    expect(s.faceRate).toEqual({ part: 2, whole: 3 });
  });

  it("会办意见 is on time when sent by its deadline; one still unsent and past it is due and late", () => {
    const s = stats([
      joint(),
      joint({ opinionSentOn: "2023-04-11" }),
      joint({ state: "IN_PROGRESS", opinionSentOn: null, opinionDeadline: "2023-12-01" }),
      joint({ state: "IN_PROGRESS", opinionSentOn: null, opinionDeadline: "2024-01-05" }),
    ]);
    expect(s.opinions).toEqual({ due: 3, sent: 2, onTime: 1 });
    expect(s.opinionOnTimeRate).toEqual({ part: 1, whole: 3 });
  });

  it("counts B-class follow-ups and those solved (B → A)", () => {
    const s = stats([
      lead({ replyClass: "B", followUps: 1, followUpsResolved: 1 }),
      lead({ replyClass: "B", followUps: 1 }),
    ]);
    expect(s.followUps).toEqual({ count: 2, resolved: 1 });
  });

  it("gives zero denominators, not NaN, for an empty selection", () => {
    const s = stats([]);
    expect(s.cases).toBe(0);
    expect([s.replyRate, s.satisfactionRate, s.faceRate].map(formatRatio)).toEqual([null, null, null]);
  });

  it("groups by unit", () => {
    const byUnit = statisticsByUnit(
      [lead(), lead({ unitId: 2 }), waiting({ unitId: 2, replyDeadline: "2023-12-01" })],
      TODAY,
      ABC,
    );
    expect(byUnit.get(1)?.overdue).toBe(0);
    expect(byUnit.get(2)?.replyRate).toEqual({ part: 1, whole: 2 });
    expect(byUnit.get(2)?.overdue).toBe(1);
  });
});

describe("isOverdue (the duty rules 逾期 uses)", () => {
  it("is overdue past the open duty's deadline, and not on the day itself", () => {
    expect(isOverdue(waiting({ replyDeadline: "2023-12-19" }), TODAY)).toBe(true);
    expect(isOverdue(waiting({ replyDeadline: TODAY }), TODAY)).toBe(false);
    expect(isOverdue(waiting({ state: "PENDING", signed: false, signDeadline: "2023-12-01" }), TODAY)).toBe(true);
    expect(isOverdue(joint({ opinionDeadline: "2023-01-01" }), TODAY)).toBe(false); // opinion sent: nothing owed
    expect(isOverdue(lead({ state: "REHANDLING", rehandleDeadline: "2023-12-10" }), TODAY)).toBe(true);
  });
});
