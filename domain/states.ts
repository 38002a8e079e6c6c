// The lifecycle of one assignment as data: for each step a unit takes (签收, 沟通, 意见, 答复, 反馈, 公开, 延期, 调整)
// the roles that take it, the states it is taken from, the state it leads to, and why it is refused otherwise.
// Pure: the service (casework/assignments.ts) reads the row, asks here what to do, and writes what it is told.
import type { CalendarDate } from "./calendar.ts";
import { checkExtension, followUpDeadline, publishDeadline, rehandleDeadline } from "./deadlines.ts";
import {
  type AssignmentRole,
  type AssignmentState,
  type ContactStage,
  type Disclosure,
  RATING_LABEL,
  type Rating,
} from "./labels.ts";
import type { DeadlinePolicy } from "./policy.ts";

export type Action =
  | "sign"
  | "contact"
  | "opinion"
  | "reply"
  | "feedback"
  | "publish"
  | "requestExtension"
  | "requestAdjustment";

/** The command word for each step, as people type it (and as hints tell them to). */
export const ACTION_WORD: Record<Action, string> = {
  sign: "签收",
  contact: "沟通",
  opinion: "意见",
  reply: "答复",
  feedback: "反馈",
  publish: "公开",
  requestExtension: "延期",
  requestAdjustment: "调整",
};

export interface ActionRule {
  /** Roles that take this step at all; every role when absent. */
  roles?: readonly AssignmentRole[];
  /** States the step is taken from. */
  from: readonly AssignmentState[];
  /** The state after it; "same" for steps that only add a record (沟通, requests), "computed" when it depends. */
  to: AssignmentState | "same" | "computed";
  /** States in which the step was already taken, so repeating it is harmless. */
  doneIn?: readonly AssignmentState[];
}

export const ANSWERING_ROLES: readonly AssignmentRole[] = ["LEAD", "SEPARATE"];
export const OPINION_ROLES: readonly AssignmentRole[] = ["JOINT", "ASSIST"];

export const LIFECYCLE: Record<Action, ActionRule> = {
  sign: {
    from: ["PENDING"],
    to: "IN_PROGRESS",
    doneIn: ["IN_PROGRESS", "OPINION_SENT", "REPLIED", "REHANDLING", "CLOSED"],
  },
  // 办前/办中/办后: contacts are logged from 签收 on, including 回访 after the case is closed.
  contact: { from: ["IN_PROGRESS", "OPINION_SENT", "REPLIED", "REHANDLING", "CLOSED"], to: "same" },
  opinion: { roles: OPINION_ROLES, from: ["IN_PROGRESS"], to: "OPINION_SENT", doneIn: ["OPINION_SENT"] },
  // Also from REPLIED while a B-class follow-up is open: the 续复 (B → A); see decideReply.
  reply: { roles: ANSWERING_ROLES, from: ["IN_PROGRESS", "REHANDLING"], to: "REPLIED" },
  feedback: { roles: ANSWERING_ROLES, from: ["REPLIED"], to: "computed" },
  publish: { roles: ANSWERING_ROLES, from: ["REPLIED", "REHANDLING", "CLOSED"], to: "computed" },
  requestExtension: { from: ["IN_PROGRESS"], to: "same" },
  requestAdjustment: { from: ["PENDING", "IN_PROGRESS"], to: "same" },
};

/** The class of a reply that is "正在解决或列入计划解决": it opens a 续办 follow-up. */
export const FOLLOW_UP_CLASS = "B";

/** Why a step is refused, in the words staff use; `date` is formatted by the caller (the bot writes 2024年3月8日). */
const REASONS = {
  NOT_SIGNED: () => "该件尚未签收",
  WITHDRAWN: () => "该件已调整给其他单位办理",
  CLOSED: () => "该件已办结",
  OPINION_DONE: () => "本单位的意见已送主办单位，承办已完成",
  NOT_REPLIED: () => "该件尚未答复",
  REHANDLING: () => "该件正在重新办理，尚未再次答复",
  REPLIED: () => "该件已答复",
  ROLE_ANSWERS: () => "本单位是该件的主办（分办）单位，应直接答复提出人，不报送会办意见",
  ROLE_OPINES: () => "本单位是该件的会办（协办）单位，只需向主办单位报送意见，答复、反馈和公开由主办单位办理",
  UNKNOWN_CLASS: (r) => `答复类别只能是${r.detail}`,
  REPLIED_OTHER_CLASS: (r) => `该件已按${r.detail}类答复，如需更正请联系督办室`,
  FEEDBACK_RECORDED: (r) => `本轮答复的反馈已记录为「${r.detail}」`,
  NOT_PUBLIC: () => "该件为不予公开件，答复不公开",
  NO_DEADLINE: () => "该件没有可延期的期限",
  EXTENSION_OVERDUE: (r) => `延期须在期限届满前申请，期限${r.date}已过`,
  EXTENSION_NOT_LATER: (r) => `申请的日期须晚于当前期限${r.date}`,
  EXTENSION_PAST_CAP: (r) => `延期不能超过${r.date}（延期上限）`,
  ADJUST_WINDOW_CLOSED: (r) => `调整申请期限已于${r.date}截止`,
  REQUEST_PENDING: (r) => `已有待审批的${r.detail}，请等待督办室审批`,
} satisfies Record<string, (r: { date: string; detail: string }) => string>;

export type RefusalCode = keyof typeof REASONS;

export interface Refusal {
  code: RefusalCode;
  /** The step to take instead, if there is one ("请先发送「签收 205」"). */
  next?: Action;
  /** The deadline or cap the refusal is about. */
  date?: CalendarDate;
  /** The recorded value the request conflicts with (a class, a rating label, the classes allowed). */
  detail?: string;
}

export function refusalReason(r: Refusal, formatDate: (d: CalendarDate) => string): string {
  return REASONS[r.code]({ date: r.date ? formatDate(r.date) : "", detail: r.detail ?? "" });
}

export type Decision<P> = { kind: "go"; plan: P } | { kind: "repeat" } | { kind: "refuse"; refusal: Refusal };

const refuse = (refusal: Refusal): { kind: "refuse"; refusal: Refusal } => ({ kind: "refuse", refusal });

/** Why `action` cannot be taken in `state` (the role being right). */
export function stateRefusal(action: Action, state: AssignmentState): Refusal {
  switch (state) {
    case "PENDING":
      return { code: "NOT_SIGNED", next: "sign" };
    case "WITHDRAWN":
      return { code: "WITHDRAWN" };
    case "CLOSED":
      return { code: "CLOSED" };
    case "OPINION_SENT":
      return { code: "OPINION_DONE" };
    case "IN_PROGRESS":
      return { code: "NOT_REPLIED", next: "reply" };
    case "REHANDLING":
      return action === "feedback" ? { code: "REHANDLING", next: "reply" } : { code: "REHANDLING" };
    case "REPLIED":
      return { code: "REPLIED" };
  }
}

function roleRefusal(role: AssignmentRole): Refusal {
  return ANSWERING_ROLES.includes(role)
    ? { code: "ROLE_ANSWERS", next: "reply" }
    : { code: "ROLE_OPINES", next: "opinion" };
}

export interface StepFacts {
  role: AssignmentRole;
  state: AssignmentState;
}

/** The plain table lookup: role first (a 会办 unit never replies, whatever its state), then repeat, then state. */
export function decideStep(action: Action, a: StepFacts): Decision<{ to: AssignmentState }> {
  const rule = LIFECYCLE[action];
  if (rule.roles && !rule.roles.includes(a.role)) return refuse(roleRefusal(a.role));
  if (rule.doneIn?.includes(a.state)) return { kind: "repeat" };
  if (!rule.from.includes(a.state)) return refuse(stateRefusal(action, a.state));
  const to = rule.to === "same" || rule.to === "computed" ? a.state : rule.to;
  return { kind: "go", plan: { to } };
}

/** 办前 for the first contact, 办中 while handling (or re-handling), 办后 once the reply is out. */
export function contactStage(a: { state: AssignmentState; repliedOn: unknown }, earlierContacts: number): ContactStage {
  if (a.repliedOn && (a.state === "REPLIED" || a.state === "CLOSED")) return "AFTER";
  if (a.state === "REHANDLING" || earlierContacts > 0) return "DURING";
  return "BEFORE";
}

export interface ReplyFacts extends StepFacts {
  replyClass: string | null;
}

export interface ReplyInput {
  replyClass: string;
  policy: DeadlinePolicy;
  disclosure: Disclosure;
  today: CalendarDate;
  /** The highest reply round so far (0 before the first reply). */
  lastRound: number;
  followUpOpen: boolean;
}

export interface ReplyPlan {
  round: number;
  to: AssignmentState;
  /** 主动公开 cases: the reply must be published by then (and an earlier publication no longer covers it). */
  publishDeadline: CalendarDate | null;
  /** B-class: opens a 续办 follow-up due then (unless one is already open). */
  followUpDeadline: CalendarDate | null;
  /** A 续复 (B → A, or → C) settles the open follow-up. */
  resolvesFollowUp: boolean;
}

/**
 * 答复: round 1 from 办理中, the next round after 重新办理, or a 续复 while a B-class follow-up is open. The same class
 * again on an answered case is a repeat; another class without an open follow-up is a correction for the office.
 */
export function decideReply(a: ReplyFacts, input: ReplyInput): Decision<ReplyPlan> {
  if (!ANSWERING_ROLES.includes(a.role)) return refuse(roleRefusal(a.role));
  const classes = input.policy.replyClasses;
  if (!classes.includes(input.replyClass)) return refuse({ code: "UNKNOWN_CLASS", detail: classes.join("、") });
  const answered = a.state === "REPLIED" || a.state === "CLOSED";
  if (answered && a.replyClass === input.replyClass) return { kind: "repeat" };
  const followUp = answered && input.followUpOpen;
  if (answered && !followUp) return refuse({ code: "REPLIED_OTHER_CLASS", detail: a.replyClass ?? "" });
  if (!followUp && !LIFECYCLE.reply.from.includes(a.state)) return refuse(stateRefusal("reply", a.state));
  const opensFollowUp = input.replyClass === FOLLOW_UP_CLASS && !input.followUpOpen;
  return {
    kind: "go",
    plan: {
      round: input.lastRound + 1,
      to: "REPLIED",
      publishDeadline: input.disclosure === "PUBLIC" ? publishDeadline(input.today, input.policy) : null,
      followUpDeadline: opensFollowUp ? followUpDeadline(input.today, input.policy) : null,
      resolvesFollowUp: followUp,
    },
  };
}

export interface FeedbackInput {
  rating: Rating;
  policy: DeadlinePolicy;
  today: CalendarDate;
  /** The latest reply round and the rating already recorded for it, if any. */
  round: number;
  recorded: Rating | null;
  followUpOpen: boolean;
  /** A 主动公开 reply not yet published. */
  publishPending: boolean;
}

export interface FeedbackPlan {
  round: number;
  to: AssignmentState;
  rehandleDeadline: CalendarDate | null;
  closedOn: CalendarDate | null;
}

/**
 * 反馈 on the latest reply. 不满意 → 重新办理 with its deadline from today, the next 答复 being the next round.
 * 满意/基本满意 → 办结, except that the assignment stays 已答复 while something is still owed: a B-class follow-up
 * (续办 until the 续复) or the publication of a 主动公开 reply; 公开 then closes it.
 */
export function decideFeedback(a: StepFacts, input: FeedbackInput): Decision<FeedbackPlan> {
  if (!ANSWERING_ROLES.includes(a.role)) return refuse(roleRefusal(a.role));
  if (input.recorded === input.rating) return { kind: "repeat" };
  if (input.recorded) return refuse({ code: "FEEDBACK_RECORDED", detail: RATING_LABEL[input.recorded] });
  if (!LIFECYCLE.feedback.from.includes(a.state)) return refuse(stateRefusal("feedback", a.state));
  const base = { round: input.round, rehandleDeadline: null, closedOn: null };
  if (input.rating === "UNSATISFIED") {
    return {
      kind: "go",
      plan: { ...base, to: "REHANDLING", rehandleDeadline: rehandleDeadline(input.today, input.policy) },
    };
  }
  if (input.followUpOpen || input.publishPending) return { kind: "go", plan: { ...base, to: "REPLIED" } };
  return { kind: "go", plan: { ...base, to: "CLOSED", closedOn: input.today } };
}

export interface PublishFacts extends StepFacts {
  repliedOn: unknown;
  publishedOn: unknown;
}

/** 公开 of the latest reply; it closes an assignment whose proposer was satisfied and that owes nothing else. */
export function decidePublish(
  a: PublishFacts,
  input: { disclosure: Disclosure; satisfied: boolean; followUpOpen: boolean; today: CalendarDate },
): Decision<{ to: AssignmentState; closedOn: CalendarDate | null }> {
  if (!ANSWERING_ROLES.includes(a.role)) return refuse(roleRefusal(a.role));
  if (input.disclosure === "NOT_PUBLIC") return refuse({ code: "NOT_PUBLIC" });
  if (a.publishedOn) return { kind: "repeat" };
  if (!a.repliedOn || !LIFECYCLE.publish.from.includes(a.state)) return refuse(stateRefusal("publish", a.state));
  const closes = a.state === "REPLIED" && input.satisfied && !input.followUpOpen;
  return { kind: "go", plan: { to: closes ? "CLOSED" : a.state, closedOn: closes ? input.today : null } };
}

export interface DeadlineFacts extends StepFacts {
  replyDeadline: CalendarDate | null;
  opinionDeadline: CalendarDate | null;
  extensionCap: CalendarDate | null;
}

export interface ExtensionPlan {
  field: "replyDeadline" | "opinionDeadline";
  current: CalendarDate;
}

/**
 * 延期: asked while handling, on or before the current deadline, for a later date not past the cap. A 主办/分办
 * reply is capped by its extensionCap; a 会办/协办 opinion by `opinionCap` (the 主办's reply deadline: the opinion
 * must reach it in time), or uncapped when there is none. At approval the window is not checked again: the request
 * was filed in time.
 */
export function decideExtension(
  a: DeadlineFacts,
  input: { requested: CalendarDate; today: CalendarDate; opinionCap?: CalendarDate | null; atApproval?: boolean },
): Decision<ExtensionPlan> {
  if (!LIFECYCLE.requestExtension.from.includes(a.state)) return refuse(stateRefusal("requestExtension", a.state));
  const answering = ANSWERING_ROLES.includes(a.role);
  const field = answering ? "replyDeadline" : "opinionDeadline";
  const current = a[field];
  if (!current) return refuse({ code: "NO_DEADLINE" });
  if (!input.atApproval && input.today > current) return refuse({ code: "EXTENSION_OVERDUE", date: current });
  const cap = (answering ? a.extensionCap : input.opinionCap) ?? input.requested;
  const check = checkExtension(input.requested, current, cap);
  if (!check.ok && check.reason === "NOT_LATER") return refuse({ code: "EXTENSION_NOT_LATER", date: current });
  if (!check.ok) return refuse({ code: "EXTENSION_PAST_CAP", date: cap });
  return { kind: "go", plan: { field, current } };
}

/** 调整/退回: before the unit has answered, and only until its window closes (not checked again at approval). */
export function decideAdjustment(
  a: StepFacts & { adjustDeadline: CalendarDate },
  input: { today: CalendarDate; atApproval?: boolean },
): Decision<{ to: AssignmentState }> {
  if (!LIFECYCLE.requestAdjustment.from.includes(a.state)) return refuse(stateRefusal("requestAdjustment", a.state));
  if (!input.atApproval && input.today > a.adjustDeadline) {
    return refuse({ code: "ADJUST_WINDOW_CLOSED", date: a.adjustDeadline });
  }
  return { kind: "go", plan: { to: a.state } };
}
