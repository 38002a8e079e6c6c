// 答复 <案> <类别> [签发人]: the 主办/分办 unit's reply is out, with its class (A/B/C as the session sets) and the leader
// who signed it. B opens a 续办 follow-up; a 主动公开 case's reply is to be published; after 重新办理 it is round 2.
import { caseTitle, chineseDate, escapeMarkdown } from "../bot/render.ts";
import { recordReply } from "../casework/assignments.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { resolvePolicy } from "../domain/policy.ts";
import { ANSWERING_ROLES } from "../domain/states.ts";
import type { Command } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf, refusalAnswer, resolveTarget, unitRole } from "./update-target.ts";

const HELP = { name: "答复", usage: "答复 <案号> <类别> [签发人]", example: "答复 205 A 李强", roles: ANSWERING_ROLES };

export const replyCommand: Command = {
  name: HELP.name,
  aliases: [],
  summary: "主办/分办单位：记录已答复提出人（答复类别、签发人）",
  usage: HELP.usage,
  examples: [HELP.example, "答复 205 B", "答复 205 市发改委 A 李强"],
  async run(ctx) {
    const target = await resolveTarget(ctx, HELP);
    if (typeof target === "string") return target;
    const [classText = "", ...signer] = target.words;
    const classes = resolvePolicy(target.case.session.policy).replyClasses;
    const replyClass = /^([a-z])类?$/i.exec(classText)?.[1]?.toUpperCase();
    if (!replyClass || !classes.includes(replyClass)) {
      const all = classes.join("、");
      const problem = classText ? `答复类别「${classText}」不认识，只能是${all}。` : `请写明答复类别：${all}。`;
      return usageAnswer(HELP.usage, HELP.example, problem);
    }
    const signedBy =
      signer
        .join(" ")
        .replace(/^签发人?[:：]?/, "")
        .trim() || null;
    const a = target.assignment;
    const input = { assignmentId: a.id, actor: actorOf(ctx), today: ctx.today, replyClass, signedBy };
    const result = await recordReply(ctx.db, input);
    if (result.status === "refused")
      return refusalAnswer(HELP.name, result.refusal, result.assignment.state, target.ref);
    if (result.status === "repeat") {
      const on = toCalendarDate(result.assignment.repliedOn);
      return `该件已按${replyClass}类答复${on ? `（${chineseDate(on)}）` : ""}，无需重复。`;
    }
    const plan = result.detail;
    const round = plan.round > 1 ? `第${plan.round}轮答复，` : "";
    const by = signedBy ? `，签发人：${escapeMarkdown(signedBy)}` : "";
    const lines = [`已答复：${caseTitle(target.case)}（${unitRole(a)}）`, `${round}${replyClass}类${by}。`];
    if (plan.resolvesFollowUp) lines.push("续办已办结（续复）。");
    if (plan.followUpDeadline) lines.push(`B类答复列入续办，续办期限${chineseDate(plan.followUpDeadline)}。`);
    if (plan.publishDeadline) {
      lines.push(`该件主动公开：请于${chineseDate(plan.publishDeadline)}前公开，公开后发送「公开 ${target.ref}」。`);
    }
    lines.push(`收到提出人反馈后请发送「反馈 ${target.ref} 满意/基本满意/不满意」。`);
    return lines.join("\n");
  },
};
