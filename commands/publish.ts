// 公开 <案>: the reply of a 主动公开 (or, on request, 依申请公开) case has been published. Never for 不予公开.
import { caseTitle, chineseDate } from "../bot/render.ts";
import { markPublished } from "../casework/assignments.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { ANSWERING_ROLES } from "../domain/states.ts";
import type { Command } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf, refusalAnswer, resolveTarget, unitRole } from "./update-target.ts";

const HELP = { name: "公开", usage: "公开 <案号>", example: "公开 205", roles: ANSWERING_ROLES };

export const publishCommand: Command = {
  name: HELP.name,
  aliases: [],
  summary: "主办/分办单位：记录答复已公开",
  usage: HELP.usage,
  examples: [HELP.example, "公开 205 市发改委"],
  async run(ctx) {
    const target = await resolveTarget(ctx, HELP);
    if (typeof target === "string") return target;
    if (target.words.length > 0)
      return usageAnswer(HELP.usage, HELP.example, `「${target.words.join(" ")}」是多余的。`);
    const a = target.assignment;
    const result = await markPublished(ctx.db, { assignmentId: a.id, actor: actorOf(ctx), today: ctx.today });
    if (result.status === "refused") return refusalAnswer("公开", result.refusal, result.assignment.state, target.ref);
    if (result.status === "repeat") {
      const on = toCalendarDate(result.assignment.publishedOn);
      return `该件答复已于${on ? chineseDate(on) : "此前"}公开，无需重复。`;
    }
    const closed = result.detail.closedOn ? "\n该件已办结。" : "";
    return `已记录答复公开（${chineseDate(ctx.today)}）：${caseTitle(target.case)}（${unitRole(a)}）${closed}`;
  },
};
