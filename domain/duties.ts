// What an assignment still owes, and by when: the one definition of "open" and "the next deadline" that 查, 我的,
// 单位, 临期, 逾期 and the reminders share. Each rule names the state, the roles, and the stored deadline column, so a
// database query can be built from the same rules (see commands/duty-list.ts) instead of restating them.
import type { CalendarDate } from "./calendar.ts";
import type { AssignmentRole, AssignmentState } from "./labels.ts";

export type DeadlineField =
  | "signDeadline"
  | "opinionDeadline"
  | "replyDeadline"
  | "rehandleDeadline"
  | "publishDeadline";

export type DutyKind = "SIGN" | "OPINION" | "REPLY" | "REHANDLE" | "PUBLISH";

export interface DutyRule {
  kind: DutyKind;
  state: AssignmentState;
  /** Roles the rule applies to; all roles when absent. */
  roles?: readonly AssignmentRole[];
  field: DeadlineField;
  /** True when the duty exists only once its deadline is set and it is not yet done (公开). */
  needsDeadline: boolean;
}

export const DUTY_RULES: readonly DutyRule[] = [
  { kind: "SIGN", state: "PENDING", field: "signDeadline", needsDeadline: false },
  { kind: "REPLY", state: "IN_PROGRESS", roles: ["LEAD", "SEPARATE"], field: "replyDeadline", needsDeadline: false },
  { kind: "OPINION", state: "IN_PROGRESS", roles: ["JOINT", "ASSIST"], field: "opinionDeadline", needsDeadline: false },
  { kind: "REHANDLE", state: "REHANDLING", field: "rehandleDeadline", needsDeadline: false },
  // publishDeadline is set only when a 主动公开 reply is sent, and publishedOn marks it done.
  { kind: "PUBLISH", state: "REPLIED", field: "publishDeadline", needsDeadline: true },
];

type DateValue = CalendarDate | Date | null | undefined;

export interface DutyInput {
  role: AssignmentRole;
  state: AssignmentState;
  signDeadline: DateValue;
  opinionDeadline: DateValue;
  replyDeadline: DateValue;
  rehandleDeadline: DateValue;
  publishDeadline: DateValue;
  publishedOn: DateValue;
}

export interface Duty {
  kind: DutyKind;
  /** What staff call it: 签收, 答复, 会办意见, 协办意见, 重新办理答复, 公开. */
  label: string;
  /** Null only when no deadline was stored (an old import): still open, sorted last. */
  deadline: CalendarDate | null;
}

/** A date column (JS Date at UTC midnight) or a CalendarDate, as "YYYY-MM-DD"; null stays null. */
export function toCalendarDate(value: DateValue): CalendarDate | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : value.toISOString().slice(0, 10);
}

export function ruleFor(assignment: Pick<DutyInput, "role" | "state">): DutyRule | undefined {
  return DUTY_RULES.find((r) => r.state === assignment.state && (!r.roles || r.roles.includes(assignment.role)));
}

function dutyLabel(kind: DutyKind, role: AssignmentRole): string {
  switch (kind) {
    case "SIGN":
      return "签收";
    case "REPLY":
      return "答复";
    case "OPINION":
      return role === "ASSIST" ? "协办意见" : "会办意见";
    case "REHANDLE":
      return "重新办理答复";
    case "PUBLISH":
      return "公开";
  }
}

/**
 * The next thing the assignment owes, or null when it owes nothing (会办意见 sent, 答复 done and published or not
 * to be published, 办结, 调整 away). An assignment is open exactly when this is not null.
 */
export function nextDuty(assignment: DutyInput): Duty | null {
  const rule = ruleFor(assignment);
  if (!rule) return null;
  const deadline = toCalendarDate(assignment[rule.field]);
  if (rule.needsDeadline && (deadline === null || toCalendarDate(assignment.publishedOn) !== null)) return null;
  return { kind: rule.kind, label: dutyLabel(rule.kind, assignment.role), deadline };
}

/** Soonest deadline first; duties without a deadline last. */
export function compareDuties(a: Duty, b: Duty): number {
  if (a.deadline === b.deadline) return 0;
  if (a.deadline === null) return 1;
  if (b.deadline === null) return -1;
  return a.deadline < b.deadline ? -1 : 1;
}
