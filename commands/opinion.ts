// 意见 <案>: a 会办/协办 unit has sent its opinion to the 主办 unit, which folds it into the reply; its part is done.
import { caseTitle, chineseDate } from "../bot/render.ts";
import { sendOpinion } from "../casework/assignments.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { ROLE_LABEL } from "../domain/labels.ts";
import { ANSWERING_ROLES, OPINION_ROLES } from "../domain/states.ts";
import type { Command } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf, refusalAnswer, resolveTarget, unitRole } from "./update-target.ts";

const HELP = { name: "意见", usage: "意见 <案号>", example: "意见 205", roles: OPINION_ROLES };

export const opinionCommand: Command = {
  name: HELP.name,
  aliases: [],
  summary: "会办/协办单位：记录意见已送主办单位",
  usage: HELP.usage,
  examples: [HELP.example, "意见 205 市教育局"],
  async run(ctx) {
    const target = await resolveTarget(ctx, HELP);
    if (typeof target === "string") return target;
    if (target.words.length > 0)
      return usageAnswer(HELP.usage, HELP.example, `「${target.words.join(" ")}」是多余的。`);
    const a = target.assignment;
    const result = await sendOpinion(ctx.db, { assignmentId: a.id, actor: actorOf(ctx), today: ctx.today });
    const label = `${ROLE_LABEL[a.role]}意见`;
    if (result.status === "refused")
      return refusalAnswer("报送意见", result.refusal, result.assignment.state, target.ref);
    if (result.status === "repeat") {
      const on = toCalendarDate(result.assignment.opinionSentOn);
      return `${label}已于${on ? chineseDate(on) : "此前"}送出，无需重复。`;
    }
    const leads = target.case.assignments.filter((x) => ANSWERING_ROLES.includes(x.role) && x.state !== "WITHDRAWN");
    const to = leads.map((x) => x.unit.name).join("、") || "主办单位";
    return `已记录${label}送${to}：${caseTitle(target.case)}（${unitRole(a)}）\n本单位承办已完成。`;
  },
};
