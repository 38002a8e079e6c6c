// 签收 <案> [承办人]: the unit takes the case and names who handles it (定人); by default the person who signs.
import { caseTitle } from "../bot/render.ts";
import { signAssignment } from "../casework/assignments.ts";
import type { Command } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf, nextLine, refusalAnswer, resolveTarget, unitRole } from "./update-target.ts";

const HELP = { name: "签收", usage: "签收 <案号> [承办人]", example: "签收 205号提案 王芳" };

export const signCommand: Command = {
  name: HELP.name,
  aliases: [],
  summary: "签收交办的件并确定承办人（不写承办人即为本人）",
  usage: HELP.usage,
  examples: ["签收 205", HELP.example, "签收 205 市发改委"],
  async run(ctx) {
    const target = await resolveTarget(ctx, HELP);
    if (typeof target === "string") return target;
    const { assignment: a, words } = target;
    if (words.length > 1) return usageAnswer(HELP.usage, HELP.example, "承办人只写一位。");
    const signerId = ctx.member.unitId === a.unitId ? ctx.member.id : null;
    let handlerId: number | null = null;
    const named = words[0];
    if (named) {
      const people = await ctx.db.person.findMany({
        where: { unitId: a.unitId, active: true },
        orderBy: { id: "asc" },
      });
      const handler = people.find((p) => p.name === named || p.userid === named);
      if (!handler) {
        const names = people.map((p) => p.name).join("、") || "（尚无成员）";
        return `无法签收：${a.unit.name}没有名为「${named}」的成员。${a.unit.name}的成员：${names}。`;
      }
      handlerId = handler.id;
    }
    const result = await signAssignment(ctx.db, {
      assignmentId: a.id,
      actor: actorOf(ctx),
      today: ctx.today,
      handlerId,
      signerId,
    });
    const handlerName = async (id: number | null) =>
      id === null ? "未定" : ((await ctx.db.person.findUnique({ where: { id } }))?.name ?? "未定");
    if (result.status === "refused")
      return refusalAnswer(HELP.name, result.refusal, result.assignment.state, target.ref);
    const who = await handlerName(result.assignment.handlerId);
    if (result.status === "repeat") return `该件已签收（承办人：${who}），无需重复。`;
    const title = `${caseTitle(target.case)}（${unitRole(a)}）`;
    if (result.detail.handlerChanged) return `已将承办人改为${who}：${title}。`;
    return `已签收：${title}\n承办人：${who}${nextLine(result.assignment, ctx.today)}`;
  },
};
