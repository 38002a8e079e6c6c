// The words people use for the record's codes, in one place: parsing input and rendering output both go through
// these tables, so 主办 always means LEAD and LEAD always prints as 主办.

export type CaseKind = "SUGGESTION" | "PROPOSAL" | "MOTION";
export type AssignmentRole = "LEAD" | "SEPARATE" | "JOINT" | "ASSIST";
export type Disclosure = "PUBLIC" | "ON_REQUEST" | "NOT_PUBLIC";
export type AssignmentState =
  | "PENDING"
  | "IN_PROGRESS"
  | "OPINION_SENT"
  | "REPLIED"
  | "REHANDLING"
  | "CLOSED"
  | "WITHDRAWN";
export type PersonRole = "admin" | "leader" | "liaison" | "handler";
export type ContactStage = "BEFORE" | "DURING" | "AFTER";
export type ContactForm = "FACE" | "PHONE" | "MEETING" | "VISIT" | "WRITTEN";
export type Rating = "SATISFIED" | "BASICALLY_SATISFIED" | "UNSATISFIED";
export type Body = "CONGRESS" | "CPPCC";

export const CASE_KIND_LABEL: Record<CaseKind, string> = { SUGGESTION: "建议", PROPOSAL: "提案", MOTION: "议案" };
export const ROLE_LABEL: Record<AssignmentRole, string> = {
  LEAD: "主办",
  SEPARATE: "分办",
  JOINT: "会办",
  ASSIST: "协办",
};
export const DISCLOSURE_LABEL: Record<Disclosure, string> = {
  PUBLIC: "主动公开",
  ON_REQUEST: "依申请公开",
  NOT_PUBLIC: "不予公开",
};
export const STATE_LABEL: Record<AssignmentState, string> = {
  PENDING: "待签收",
  IN_PROGRESS: "办理中",
  OPINION_SENT: "已送会办意见",
  REPLIED: "已答复",
  REHANDLING: "重新办理",
  CLOSED: "已办结",
  WITHDRAWN: "已调整",
};
export const PERSON_ROLE_LABEL: Record<PersonRole, string> = {
  admin: "督办",
  leader: "领导",
  liaison: "联络员",
  handler: "承办人",
};
export const CONTACT_STAGE_LABEL: Record<ContactStage, string> = { BEFORE: "办前", DURING: "办中", AFTER: "办后" };
export const CONTACT_FORM_LABEL: Record<ContactForm, string> = {
  FACE: "面商",
  PHONE: "电话",
  MEETING: "座谈",
  VISIT: "走访",
  WRITTEN: "书面",
};
export const RATING_LABEL: Record<Rating, string> = {
  SATISFIED: "满意",
  BASICALLY_SATISFIED: "基本满意",
  UNSATISFIED: "不满意",
};
export const BODY_LABEL: Record<Body, string> = { CONGRESS: "人大", CPPCC: "政协" };

/** Roles that answer the proposer themselves (主办, 分办); the others send an opinion to the 主办 unit. */
export function answersProposer(role: AssignmentRole): boolean {
  return role === "LEAD" || role === "SEPARATE";
}

/** Reverse lookup: the code for a label (or the code itself, any case), or undefined. */
export function codeOf<C extends string>(table: Record<C, string>, text: string): C | undefined {
  const t = text.trim();
  for (const [code, label] of Object.entries(table) as [C, string][]) {
    if (label === t || code.toLowerCase() === t.toLowerCase()) return code;
  }
  return undefined;
}

/** 人大 sessions say 届…次会议 of 人大; 政协 sessions name 政协. Used when a session is created from a bare name. */
export function bodyOfSessionName(name: string): Body {
  return name.includes("政协") ? "CPPCC" : "CONGRESS";
}
