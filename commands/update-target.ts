// What every update command (签收 沟通 意见 答复 反馈 公开 延期 调整) shares: finding the one assignment it acts on and
// checking the asker may act on it, and the sentences for refusals and for what is due next. The target is the
// asker's own unit's assignment on the case; the office names the unit after the reference (签收 205 市发改委), and
// must when the case has several units.
import { chineseDate, dueText } from "../bot/render.ts";
import type { Actor } from "../casework/assignments.ts";
import { loadUnitDirectory } from "../casework/import-people.ts";
import { type DutyInput, nextDuty } from "../domain/duties.ts";
import { type AssignmentRole, type AssignmentState, ROLE_LABEL, STATE_LABEL } from "../domain/labels.ts";
import { ACTION_WORD, type Refusal, refusalReason } from "../domain/states.ts";
import { isOffice, mayUpdate } from "./access.ts";
import { type CaseWithAssignments, findCase, takeCaseRef } from "./case-ref.ts";
import type { CommandContext } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { normalise } from "./text.ts";

export type CaseAssignment = CaseWithAssignments["assignments"][number];

export interface UpdateTarget {
  case: CaseWithAssignments;
  assignment: CaseAssignment;
  /** The case as typed, plus the unit when the office named it: what hints repeat (「签收 205 市发改委」). */
  ref: string;
  /** The words after the reference (and the unit). */
  words: string[];
}

export interface UpdateHelp {
  /** The command word, also the verb of refusals: 无法签收：… */
  name: string;
  usage: string;
  example: string;
  /** Roles the step is for (答复: 主办/分办): lets the office skip naming the unit when only one unit fits. */
  roles?: readonly AssignmentRole[];
}

export function actorOf(ctx: CommandContext): Actor {
  return { id: ctx.member.id, label: ctx.member.name, chatId: ctx.message.chatId };
}

/** "市发改委（主办，办理中）、市教育局（会办，待签收）": the units still on the case. */
export function unitsLine(c: CaseWithAssignments): string {
  const active = c.assignments.filter((a) => a.state !== "WITHDRAWN");
  return active.map((a) => `${a.unit.name}（${ROLE_LABEL[a.role]}，${STATE_LABEL[a.state]}）`).join("、");
}

/** "市发改委 主办" */
export function unitRole(a: { unit: { name: string }; role: CaseAssignment["role"] }): string {
  return `${a.unit.name} ${ROLE_LABEL[a.role]}`;
}

/** 无法答复：该件尚未签收（当前状态：待签收）。请先发送「签收 205」。 */
export function refusalAnswer(verb: string, refusal: Refusal, state: AssignmentState, ref: string): string {
  const reason = refusalReason(refusal, chineseDate);
  let hint = "";
  if (refusal.next) {
    const step = `${ACTION_WORD[refusal.next]} ${ref}${refusal.next === "reply" ? " <类别>" : ""}`;
    hint = refusal.code.startsWith("ROLE_") ? `请改用「${step}」。` : `请先发送「${step}」。`;
  }
  return `无法${verb}：${reason}（当前状态：${STATE_LABEL[state]}）。${hint}`;
}

/** "下一步：答复，2024年6月11日前（剩59个工作日）"; empty when nothing more is owed. */
export function nextLine(a: DutyInput, today: string): string {
  const duty = nextDuty(a);
  if (!duty) return "";
  if (!duty.deadline) return `\n下一步：${duty.label}`;
  return `\n下一步：${duty.label}，${chineseDate(duty.deadline)}前（${dueText(duty.deadline, today)}）`;
}

/** The reference exactly as typed: the words of the arguments before `rest`. */
function typedRef(args: string, restWords: number): string {
  const words = normalise(args).split(" ").filter(Boolean);
  return words.slice(0, words.length - restWords).join(" ");
}

/** The case and the assignment an update acts on, or the answer saying why there is none (or it is not theirs). */
export async function resolveTarget(ctx: CommandContext, help: UpdateHelp): Promise<UpdateTarget | string> {
  const { ref, rest } = takeCaseRef(ctx.args);
  if (!ref) {
    const problem = ctx.args.trim() ? `没有看懂「${ctx.args.trim()}」中的案号。` : "请写明案号。";
    return usageAnswer(help.usage, help.example, problem);
  }
  const found = await findCase(ctx.db, ref, ctx.member, ctx.chat, ctx.message.chatType === "group");
  if (found.status !== "found") return found.message;
  const c = found.case;
  let words = rest ? rest.split(" ") : [];
  const typed = typedRef(ctx.args, words.length);
  const verb = help.name;
  const { directory } = await loadUnitDirectory(ctx.db);
  const named = words[0] ? directory.find(words[0]) : undefined;
  let assignment: CaseAssignment | undefined;
  let shownRef = typed;
  if (named) {
    words = words.slice(1);
    shownRef = `${typed} ${named.name}`;
    assignment = c.assignments.find((a) => a.unitId === named.id);
    if (!assignment) return `无法${verb}：该件没有交办给${named.name}（承办单位：${unitsLine(c)}）。`;
  } else if (isOffice(ctx.member)) {
    const active = c.assignments.filter((a) => a.state !== "WITHDRAWN");
    const fitting = active.filter((a) => help.roles?.includes(a.role) ?? true);
    const [only, other] = fitting.length > 0 ? fitting : active.length > 0 ? active : c.assignments;
    if (!only) return `无法${verb}：该件还没有承办单位。`;
    if (other) {
      return `该件有${active.length}个承办单位：${unitsLine(c)}。请写明单位，例如：「${verb} ${typed} ${only.unit.name}」。`;
    }
    assignment = only;
  } else {
    assignment = c.assignments.find((a) => a.unitId === ctx.member.unitId);
  }
  const mine = ctx.member.unit ? `，您属于${ctx.member.unit.name}` : "";
  if (assignment && !mayUpdate(ctx.member, assignment)) {
    const state = STATE_LABEL[assignment.state];
    return `无法${verb}：只有${assignment.unit.name}的人员或督办室可以办理该单位的承办${mine}（当前状态：${state}）。`;
  }
  if (!assignment) {
    const who = ctx.member.unit ? `${ctx.member.unit.name}不是该件的承办单位` : "您不属于任何承办单位";
    return `无法${verb}：${who}，只有承办单位的人员或督办室可以办理。承办单位：${unitsLine(c)}。`;
  }
  return { case: c, assignment, ref: shownRef, words };
}
