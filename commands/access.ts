// Who may see and do what. One place, so the authorization matrix test covers every command through it.
import type { GroupChat } from "../db/client.ts";
import type { Member } from "./command.ts";

/** The office (督办) and leaders see every unit's assignments. */
export function seesAllUnits(member: Member): boolean {
  return member.role === "admin" || member.role === "leader";
}

export function isOffice(member: Member): boolean {
  return member.role === "admin";
}

/** Details of an assignment (handler, contacts, requests): its own unit, leaders and the office. */
export function seesAssignmentDetails(member: Member, assignment: { unitId: number }): boolean {
  return seesAllUnits(member) || member.unitId === assignment.unitId;
}

/** Only the assigned unit's people, or the office, update an assignment. */
export function mayUpdate(member: Member, assignment: { unitId: number }): boolean {
  return isOffice(member) || (member.unitId !== null && member.unitId === assignment.unitId);
}

/**
 * A 不予公开 case's title and details: only to its units, leaders and the office, and never in a group that is
 * not bound to the office or to one of its units (others in that group would read the answer too).
 */
export function seesRestrictedCase(
  member: Member,
  chat: GroupChat | null,
  inGroup: boolean,
  caseUnitIds: readonly number[],
): boolean {
  const personAllowed = seesAllUnits(member) || (member.unitId !== null && caseUnitIds.includes(member.unitId));
  if (!personAllowed) return false;
  if (!inGroup) return true;
  return chat !== null && (chat.isOffice || (chat.unitId !== null && caseUnitIds.includes(chat.unitId)));
}
