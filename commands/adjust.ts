// 调整 <案> [改由<单位>] <理由>: the unit asks the office to take the case back (调整/退回) because it was wrongly
// assigned, optionally naming the unit it belongs to; only within the adjustment window after 交办.
import { caseTitle, chineseDate, escapeMarkdown } from "../bot/render.ts";
import { requestAdjustment } from "../casework/assignments.ts";
import { loadUnitDirectory } from "../casework/import-people.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { ROLE_LABEL, STATE_LABEL } from "../domain/labels.ts";
import type { Command } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf, refusalAnswer, resolveTarget, unitRole } from "./update-target.ts";

const HELP = {
  name: "调整",
  usage: "调整 <案号> [改由<单位>] <理由>",
  example: "调整 205 改由市住建局 所提事项属住房建设职能",
};
const MAX_REASON = 200;

export const adjustCommand: Command = {
  name: HELP.name,
  aliases: [],
  summary: "申请调整（退回）交办错了的件，须在调整期限内提出",
  usage: HELP.usage,
  examples: [HELP.example, "调整 205 该事项不属本单位职责"],
  async run(ctx) {
    const target = await resolveTarget(ctx, HELP);
    if (typeof target === "string") return target;
    let words = target.words;
    let targetUnit: { id: number; name: string } | null = null;
    const moveTo = /^(?:建议)?改由(.*?)(?:主办|办理|承办)?$/.exec(words[0] ?? "");
    if (moveTo) {
      const unitText = moveTo[1] || words[1] || "";
      words = words.slice(moveTo[1] ? 1 : 2);
      const { directory } = await loadUnitDirectory(ctx.db);
      const unit = directory.find(unitText);
      if (!unit)
        return unitText
          ? directory.unknownMessage(unitText)
          : usageAnswer(HELP.usage, HELP.example, "请写明改由哪个单位。");
      if (unit.id === target.assignment.unitId)
        return usageAnswer(HELP.usage, HELP.example, "改由的单位不能是本单位。");
      // Refused now rather than at 批准, where the office could then only 驳回 it.
      const taken = await ctx.db.assignment.findFirst({
        where: { caseId: target.assignment.caseId, unitId: unit.id, state: { not: "WITHDRAWN" } },
      });
      if (taken)
        return (
          `${unit.name}已是该件的${ROLE_LABEL[taken.role]}单位（当前状态：${STATE_LABEL[taken.state]}），不能改由它办理。` +
          "如需调换主办、会办，请督办室在交办清单中改好后重新导入。"
        );
      targetUnit = unit;
    }
    const reason = words.join(" ").trim();
    if (!reason) return usageAnswer(HELP.usage, HELP.example, "请写明申请调整的理由。");
    if (reason.length > MAX_REASON) return usageAnswer(HELP.usage, HELP.example, `理由请不超过${MAX_REASON}字。`);
    const a = target.assignment;
    const input = {
      assignmentId: a.id,
      actor: actorOf(ctx),
      today: ctx.today,
      reason,
      targetUnitId: targetUnit?.id ?? null,
    };
    const result = await requestAdjustment(ctx.db, input);
    if (result.status === "refused")
      return refusalAnswer("申请调整", result.refusal, result.assignment.state, target.ref);
    if (result.status === "repeat") return "该调整申请已提交，正在等待督办室审批，无需重复。";
    const window = toCalendarDate(a.adjustDeadline);
    return [
      `已提交调整申请（第${result.detail.request.id}号）：${caseTitle(target.case)}（${unitRole(a)}）`,
      targetUnit ? `建议改由：${targetUnit.name}` : "",
      `理由：${escapeMarkdown(reason)}`,
      `已报督办室审批（调整期限：${window ? chineseDate(window) : "未设"}），批复后会通知本单位。`,
    ]
      .filter(Boolean)
      .join("\n");
  },
};
