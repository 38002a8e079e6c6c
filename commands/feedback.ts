// 反馈 <案> <满意|基本满意|不满意> [说明]: the proposer's rating of the latest reply. 不满意 opens 重新办理 with its
// deadline; 满意/基本满意 closes the case unless a B-class 续办 or the 公开 of the reply is still owed.
import { caseTitle, chineseDate, dueText, escapeMarkdown } from "../bot/render.ts";
import { recordFeedback } from "../casework/assignments.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { codeOf, RATING_LABEL } from "../domain/labels.ts";
import { ANSWERING_ROLES, FOLLOW_UP_CLASS } from "../domain/states.ts";
import type { Command } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf, refusalAnswer, resolveTarget, unitRole } from "./update-target.ts";

const HELP = {
  name: "反馈",
  usage: "反馈 <案号> <满意|基本满意|不满意> [说明]",
  example: "反馈 205 满意",
  roles: ANSWERING_ROLES,
};
const RATINGS = Object.values(RATING_LABEL).join("、");
const MAX_NOTE = 200;

export const feedbackCommand: Command = {
  name: HELP.name,
  aliases: [],
  summary: "主办/分办单位：记录提出人对答复的反馈（不满意转重新办理）",
  usage: HELP.usage,
  examples: [HELP.example, "反馈 205 不满意 希望再次面商"],
  async run(ctx) {
    const target = await resolveTarget(ctx, HELP);
    if (typeof target === "string") return target;
    const [ratingText = "", ...more] = target.words;
    const rating = codeOf(RATING_LABEL, ratingText);
    if (!rating) {
      const problem = ratingText ? `反馈「${ratingText}」不认识，只能是${RATINGS}。` : `请写明反馈：${RATINGS}。`;
      return usageAnswer(HELP.usage, HELP.example, problem);
    }
    const note = more.join(" ").trim() || null;
    if (note && note.length > MAX_NOTE) return usageAnswer(HELP.usage, HELP.example, `说明请不超过${MAX_NOTE}字。`);
    const a = target.assignment;
    const input = { assignmentId: a.id, actor: actorOf(ctx), today: ctx.today, rating, note };
    const result = await recordFeedback(ctx.db, input);
    const label = RATING_LABEL[rating];
    if (result.status === "refused")
      return refusalAnswer("记录反馈", result.refusal, result.assignment.state, target.ref);
    if (result.status === "repeat") return `该件本轮答复的反馈已记录为「${label}」，无需重复。`;
    const { round, to, rehandleDeadline } = result.detail;
    const lines = [`已记录第${round}轮答复的反馈：${label}${note ? `（${escapeMarkdown(note)}）` : ""}`];
    lines.push(`${caseTitle(target.case)}（${unitRole(a)}）`);
    if (to === "REHANDLING" && rehandleDeadline) {
      const due = `${chineseDate(rehandleDeadline)}前（${dueText(rehandleDeadline, ctx.today)}）`;
      lines.push(`该件转入重新办理，请于${due}再次答复，发送「答复 ${target.ref} <类别>」。`);
    } else if (to === "CLOSED") {
      lines.push("该件已办结。");
    } else {
      const publish = toCalendarDate(result.assignment.publishDeadline);
      if (result.assignment.replyClass === FOLLOW_UP_CLASS)
        lines.push(`${FOLLOW_UP_CLASS}类答复续办中：解决后发送「答复 ${target.ref} A」续复。`);
      if (publish && !result.assignment.publishedOn) {
        lines.push(`待公开：请于${chineseDate(publish)}前公开，公开后发送「公开 ${target.ref}」。`);
      }
    }
    return lines.join("\n");
  },
};
