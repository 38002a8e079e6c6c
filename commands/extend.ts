// 延期 <案> <日期> <理由>: asks the office for a later reply (or opinion) deadline — before the current one has passed,
// and not past the cap. The office answers 批准/驳回 with the request's number.
import { caseTitle, chineseDate, escapeMarkdown } from "../bot/render.ts";
import { requestExtension } from "../casework/assignments.ts";
import { type CalendarDate, isCalendarDate, parseCalendarDate } from "../domain/calendar.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { answersProposer, ROLE_LABEL } from "../domain/labels.ts";
import type { Command } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf, refusalAnswer, resolveTarget, unitRole } from "./update-target.ts";

const HELP = { name: "延期", usage: "延期 <案号> <日期> <理由>", example: "延期 205 8月31日 需跨部门调研论证" };
const MAX_REASON = 200;
const pad = (s: string) => s.padStart(2, "0");

/**
 * A requested date: 2024-08-31, 2024年8月31日 (and the other forms parseCalendarDate reads), or a day without a year —
 * 8月31日, 8-31, 8/31 — meaning its next occurrence from today (this year's, or next year's once past). Null otherwise.
 */
export function parseRequestedDate(text: string, today: CalendarDate): CalendarDate | null {
  const t = text.replace(/(?:之|以)?前$/, "");
  try {
    return parseCalendarDate(t);
  } catch {
    const m = /^(\d{1,2})\s*(?:月|-|\/|\.)\s*(\d{1,2})\s*(?:日|号)?$/.exec(t);
    if (!m?.[1] || !m[2]) return null;
    const year = Number(today.slice(0, 4));
    for (const y of [year, year + 1]) {
      const date = `${y}-${pad(m[1])}-${pad(m[2])}`;
      if (isCalendarDate(date) && date >= today) return date;
    }
    return null;
  }
}

export const extendCommand: Command = {
  name: HELP.name,
  aliases: [],
  summary: "申请延期答复（或延期报送会办意见），须在期限届满前提出",
  usage: HELP.usage,
  examples: [HELP.example, "延期 205 2024-07-31 涉及资金测算，需进一步论证"],
  async run(ctx) {
    const target = await resolveTarget(ctx, HELP);
    if (typeof target === "string") return target;
    const [dateText = "", ...why] = target.words;
    const requested = parseRequestedDate(dateText, ctx.today);
    if (!requested) {
      const problem = dateText ? `日期「${dateText}」不认识或不存在。` : "请写明申请延至哪一天。";
      return usageAnswer(HELP.usage, HELP.example, problem);
    }
    const reason = why.join(" ").trim();
    if (!reason) return usageAnswer(HELP.usage, HELP.example, "请写明延期理由。");
    if (reason.length > MAX_REASON) return usageAnswer(HELP.usage, HELP.example, `理由请不超过${MAX_REASON}字。`);
    const a = target.assignment;
    const input = { assignmentId: a.id, actor: actorOf(ctx), today: ctx.today, requested, reason };
    const result = await requestExtension(ctx.db, input);
    if (result.status === "refused")
      return refusalAnswer("申请延期", result.refusal, result.assignment.state, target.ref);
    if (result.status === "repeat") return "该延期申请已提交，正在等待督办室审批，无需重复。";
    const { request } = result.detail;
    const which = answersProposer(a.role) ? "答复期限" : `${ROLE_LABEL[a.role]}意见期限`;
    const current = toCalendarDate(answersProposer(a.role) ? a.replyDeadline : a.opinionDeadline);
    return [
      `已提交延期申请（第${request.id}号）：${caseTitle(target.case)}（${unitRole(a)}）`,
      `${which}：${current ? chineseDate(current) : "未设"}，申请延至${chineseDate(requested)}。`,
      `理由：${escapeMarkdown(reason)}`,
      "已报督办室审批，批复后会通知本单位。",
    ].join("\n");
  },
};
