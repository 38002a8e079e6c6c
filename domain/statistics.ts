// 统计: the figures the annual reports (办理工作总结) print, computed from plain rows so that every definition —
// which assignments a rate counts, and why — lives and is tested in one place. No Prisma here.
import type { CalendarDate } from "./calendar.ts";
import { nextDuty } from "./duties.ts";
import { type AssignmentRole, type AssignmentState, answersProposer, type CaseKind, type Rating } from "./labels.ts";

/** One unit's assignment on one case, as the statistics need it (casework/statistics-data.ts loads these). */
export interface StatRow {
  caseId: number;
  kind: CaseKind;
  unitId: number;
  role: AssignmentRole;
  state: AssignmentState;
  signed: boolean;
  signDeadline: CalendarDate;
  replyDeadline: CalendarDate | null;
  opinionDeadline: CalendarDate | null;
  rehandleDeadline: CalendarDate | null;
  publishDeadline: CalendarDate | null;
  publishedOn: CalendarDate | null;
  /** The first reply: what 办复 and 按期 measure; later rounds (重新办理, 续办续复) do not move it. */
  repliedOn: CalendarDate | null;
  /** Class of the first reply (A/B/C…); B→A follow-ups are counted separately. */
  replyClass: string | null;
  opinionSentOn: CalendarDate | null;
  /** 会办/协办 only: class of the reply the 主办 sent on the case, which folds this unit's opinion in. */
  leadReplyClass: string | null;
  metFace: boolean;
  /** The proposer's latest rating of this unit's reply (after 重新办理, the second one). */
  latestRating: Rating | null;
  everUnsatisfied: boolean;
  followUps: number;
  followUpsResolved: number;
}

/** A share and what it is a share of; `whole` 0 means there is nothing to divide yet. */
export interface Ratio {
  part: number;
  whole: number;
}

export interface ClassCount {
  replyClass: string;
  count: number;
}

export interface Statistics {
  /** Distinct cases (件); for one unit it equals `assignments`. */
  cases: number;
  assignments: number;
  byKind: Record<CaseKind, number>;
  byRole: Record<AssignmentRole, number>;
  signed: number;
  /** Open duties past their deadline (签收, 答复, 会办意见, 重新办理, 公开): what 逾期 lists. */
  overdue: number;
  /** 主办/分办 replies. */
  reply: { due: number; replied: number; onTime: number; notYetDue: number; overdue: number };
  /** 办复率: replied / due. */
  replyRate: Ratio;
  /** 按期办结率: replied by the (possibly extended) deadline / replied. */
  onTimeRate: Ratio;
  /** First-reply classes of this selection's own replies, in the policy's order (zeros kept). */
  classes: ClassCount[];
  /** Classes of every replied case the selection took part in, 会办 included (the 主办's class): "A类复函3件". */
  caseClasses: ClassCount[];
  feedback: { received: number; satisfied: number; basicallySatisfied: number; unsatisfied: number };
  /** 满意率: (满意 + 基本满意) / feedback received. */
  satisfactionRate: Ratio;
  /** 基本满意率: 基本满意 / feedback received. */
  basicSatisfactionRate: Ratio;
  /** 面商率: answering assignments that met the proposer face to face / those that had to. */
  faceRate: Ratio;
  opinions: { due: number; sent: number; onTime: number };
  /** 会办意见按期提交率: sent by the opinion deadline / due. */
  opinionOnTimeRate: Ratio;
  /** 不满意 → 重新办理, and how many of those the proposer then rated 满意 or 基本满意. */
  rehandled: { count: number; nowSatisfied: number };
  /** 续办续复: B-class replies followed up, and how many were solved (B → A). */
  followUps: { count: number; resolved: number };
}

const KINDS: CaseKind[] = ["MOTION", "SUGGESTION", "PROPOSAL"];
const ROLES: AssignmentRole[] = ["LEAD", "SEPARATE", "JOINT", "ASSIST"];
const zeroBy = <K extends string>(keys: K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** A deadline passed is a deadline before today; on the day itself the duty is still on time. */
const passed = (deadline: CalendarDate | null, today: CalendarDate) => deadline !== null && deadline < today;

/** Whether the assignment's next duty (domain/duties.ts, the same rule 逾期 lists by) is past its deadline. */
export function isOverdue(row: StatRow, today: CalendarDate): boolean {
  const duty = nextDuty(row);
  return duty !== null && passed(duty.deadline, today);
}

function countClasses(classes: (string | null)[], order: readonly string[]): ClassCount[] {
  const counts = new Map<string, number>(order.map((c) => [c, 0]));
  const extra: string[] = [];
  for (const c of classes) {
    if (c === null) continue;
    if (!counts.has(c)) extra.push(c);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  // A class the policy no longer lists (changed mid-session) still counts, after the configured ones.
  const keys = [...order, ...[...new Set(extra)].sort()];
  return keys.map((replyClass) => ({ replyClass, count: counts.get(replyClass) ?? 0 }));
}

/**
 * One class per case: the selection's own reply (主办 before 分办) if it answered, else the class of the 主办's reply
 * that a 会办/协办 unit's opinion went into. Counted per case, so a city-wide total counts each case once.
 */
function caseReplyClasses(rows: readonly StatRow[]): (string | null)[] {
  const rank = (r: StatRow) => (r.role === "LEAD" ? 0 : r.role === "SEPARATE" ? 1 : 2);
  const best = new Map<number, StatRow>();
  for (const r of rows) {
    const known = best.get(r.caseId);
    if (!known || rank(r) < rank(known)) best.set(r.caseId, r);
  }
  return [...best.values()].map((r) => (answersProposer(r.role) ? r.replyClass : r.leadReplyClass));
}

/**
 * The figures for a selection of assignments. WITHDRAWN ones (调整/退回 approved, the case moved to another unit)
 * never count: the unit that took the case over answers for it.
 *
 * Denominators, and why:
 * - 办复率 counts 主办/分办 assignments only — they owe the proposer a reply; 会办/协办 owe the 主办 an opinion,
 *   measured by 会办意见按期提交率. Of those, an assignment is *due* once its reply deadline has passed or it has
 *   replied (an early reply counts on both sides, so the rate never exceeds 100%). Cases still within their term
 *   are left out, as the reports do ("除2件…在办理期限内外，其余均已按期办结"), and reported as 未到期.
 * - 按期办结率 is over the replies given: the first reply on or before the stored reply deadline, which an approved
 *   延期 moves (an extended case answered within its extension is on time).
 * - 满意率 is over the feedback received, by each reply's latest rating, and counts 满意 and 基本满意 together:
 *   the seeds never split them ("满意率100%" beside "没有不满意件"), so a rate that dropped every 基本满意 would
 *   contradict them; 基本满意率 is given separately so nothing is hidden.
 * - 面商率 is over the 主办/分办 assignments that had to meet the proposer: those that replied (the meeting belongs
 *   before the reply) and those that met already.
 */
export function computeStatistics(
  allRows: readonly StatRow[],
  today: CalendarDate,
  classOrder: readonly string[],
): Statistics {
  const rows = allRows.filter((r) => r.state !== "WITHDRAWN");
  const answering = rows.filter((r) => answersProposer(r.role));
  const supporting = rows.filter((r) => !answersProposer(r.role));
  const byKind = zeroBy(KINDS);
  const byRole = zeroBy(ROLES);
  const cases = new Map<number, CaseKind>(rows.map((r) => [r.caseId, r.kind]));
  for (const kind of cases.values()) byKind[kind]++;
  for (const r of rows) byRole[r.role]++;

  const replied = answering.filter((r) => r.repliedOn !== null);
  const waiting = answering.filter((r) => r.repliedOn === null);
  const onTime = replied.filter((r) => r.replyDeadline === null || (r.repliedOn as string) <= r.replyDeadline);
  const replyOverdue = waiting.filter((r) => passed(r.replyDeadline, today)).length;
  const reply = {
    due: replied.length + replyOverdue,
    replied: replied.length,
    onTime: onTime.length,
    notYetDue: waiting.length - replyOverdue,
    overdue: replyOverdue,
  };

  const rated = answering.filter((r) => r.latestRating !== null);
  const rating = (x: Rating) => rated.filter((r) => r.latestRating === x).length;
  const feedback = {
    received: rated.length,
    satisfied: rating("SATISFIED"),
    basicallySatisfied: rating("BASICALLY_SATISFIED"),
    unsatisfied: rating("UNSATISFIED"),
  };

  const mustMeet = answering.filter((r) => r.repliedOn !== null || r.metFace);
  const sent = supporting.filter((r) => r.opinionSentOn !== null);
  const opinionsOnTime = sent.filter(
    (r) => r.opinionDeadline === null || (r.opinionSentOn as string) <= r.opinionDeadline,
  );
  const opinionsLate = supporting.filter((r) => r.opinionSentOn === null && passed(r.opinionDeadline, today));
  const opinions = { due: sent.length + opinionsLate.length, sent: sent.length, onTime: opinionsOnTime.length };

  const rehandled = answering.filter((r) => r.everUnsatisfied);
  const followed = answering.filter((r) => r.followUps > 0);

  return {
    cases: cases.size,
    assignments: rows.length,
    byKind,
    byRole,
    signed: rows.filter((r) => r.signed).length,
    overdue: rows.filter((r) => isOverdue(r, today)).length,
    reply,
    replyRate: { part: reply.replied, whole: reply.due },
    onTimeRate: { part: reply.onTime, whole: reply.replied },
    classes: countClasses(
      replied.map((r) => r.replyClass),
      classOrder,
    ),
    caseClasses: countClasses(caseReplyClasses(rows), classOrder),
    feedback,
    satisfactionRate: { part: feedback.satisfied + feedback.basicallySatisfied, whole: feedback.received },
    basicSatisfactionRate: { part: feedback.basicallySatisfied, whole: feedback.received },
    faceRate: { part: mustMeet.filter((r) => r.metFace).length, whole: mustMeet.length },
    opinions,
    opinionOnTimeRate: { part: opinions.onTime, whole: opinions.due },
    rehandled: {
      count: rehandled.length,
      nowSatisfied: rehandled.filter((r) => r.latestRating !== null && r.latestRating !== "UNSATISFIED").length,
    },
    followUps: {
      count: followed.length,
      resolved: followed.filter((r) => r.followUpsResolved === r.followUps).length,
    },
  };
}

/** Groups rows by unit, for 进度: each unit's figures, keyed by unit id. */
export function statisticsByUnit(
  rows: readonly StatRow[],
  today: CalendarDate,
  classOrder: readonly string[],
): Map<number, Statistics> {
  const groups = new Map<number, StatRow[]>();
  for (const r of rows) {
    const group = groups.get(r.unitId);
    if (group) group.push(r);
    else groups.set(r.unitId, [r]);
  }
  return new Map([...groups].map(([unitId, group]) => [unitId, computeStatistics(group, today, classOrder)]));
}

/** part/whole in tenths of a percent, rounded half up in integers (no floating-point 93.75 → 93.7 surprises). */
export function percentTenths(part: number, whole: number): number {
  if (whole <= 0) throw new RangeError("percentTenths: nothing to divide by");
  return Math.floor((part * 2000 + whole) / (2 * whole));
}

/**
 * Shares of a whole split into parts (A/B/C of the replies), in tenths of a percent, adding up to exactly 100.0%:
 * each part is rounded, then the rounding difference goes to the largest part. That is how the reports round —
 * 上海民政 2021: 41/46 is 89.13% but printed 89.2% (89.2 + 4.3 + 6.5 = 100.0), and 45/48 is 93.75% but printed
 * 93.7% (93.7 + 2.1 + 4.2 = 100.0); rounding each part alone would print 89.1% and 93.8%, summing to 99.9 and 100.1.
 */
export function partitionTenths(counts: readonly number[]): number[] {
  const whole = counts.reduce((a, b) => a + b, 0);
  if (whole === 0) return counts.map(() => 0);
  const tenths = counts.map((c) => percentTenths(c, whole));
  const diff = 1000 - tenths.reduce((a, b) => a + b, 0);
  let largest = 0;
  counts.forEach((c, i) => {
    if (c > (counts[largest] ?? 0)) largest = i;
  });
  tenths[largest] = (tenths[largest] ?? 0) + diff;
  return tenths;
}

/** 892 → "89.2%": always one decimal, "100.0%" included, so figures line up and read alike everywhere. */
export function formatTenths(tenths: number): string {
  return `${Math.floor(tenths / 10)}.${tenths % 10}%`;
}

/** "100.0%", or null when the denominator is 0 (say "尚无…" instead of dividing by zero). */
export function formatRatio(ratio: Ratio): string | null {
  return ratio.whole > 0 ? formatTenths(percentTenths(ratio.part, ratio.whole)) : null;
}

/** Class counts with their shares of the replies (adding up to 100.0%). */
export function classShares(classes: readonly ClassCount[]): (ClassCount & { share: string })[] {
  const tenths = partitionTenths(classes.map((c) => c.count));
  return classes.map((c, i) => ({ ...c, share: formatTenths(tenths[i] ?? 0) }));
}
