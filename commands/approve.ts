// 批准 <申请号> [单位] [意见] (and 驳回, built from the same spec): the office decides a 延期 or 调整 request. Without a
// number, lists what is waiting. An approved 调整 needs the unit the case goes to (named in the request or here).
import { caseLabel, chineseDate, escapeMarkdown } from "../bot/render.ts";
import { decideRequest, pendingRequests } from "../casework/assignments.ts";
import { loadUnitDirectory } from "../casework/import-people.ts";
import { REQUEST_TYPE_LABEL } from "../casework/requests.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { answersProposer, ROLE_LABEL, STATE_LABEL } from "../domain/labels.ts";
import { refusalReason } from "../domain/states.ts";
import { isOffice } from "./access.ts";
import type { Command, CommandContext } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf } from "./update-target.ts";

const date = (d: Date | null) => {
  const day = toCalendarDate(d);
  return day ? chineseDate(day) : "未设";
};

/** "- 第12号 延期：…第205号提案（市发改委），申请延至2024年8月31日；理由：…" — labels only: any group may read it. */
export async function pendingList(ctx: CommandContext): Promise<string> {
  const waiting = await pendingRequests(ctx.db);
  if (waiting.length === 0) return "目前没有待审批的申请。";
  const lines = waiting.map((r) => {
    const a = r.assignment;
    const what =
      r.type === "EXTENSION" ? `申请延至${date(r.requestedDeadline)}` : `建议改由${r.targetUnit?.name ?? "（未写明）"}`;
    const who = `${a.unit.name} ${ROLE_LABEL[a.role]}`;
    return `- 第${r.id}号 ${REQUEST_TYPE_LABEL[r.type]}：${caseLabel(a.case)}（${who}），${what}；理由：${escapeMarkdown(r.reason)}`;
  });
  return ["**待审批的申请**", ...lines].join("\n");
}

interface DecisionSpec {
  name: string;
  approve: boolean;
  usage: string;
  example: string;
  summary: string;
  examples: string[];
}

export function decisionCommand(spec: DecisionSpec): Command {
  const done = spec.approve ? "批准" : "驳回";
  const other = spec.approve ? "驳回" : "批准";
  return {
    name: spec.name,
    aliases: [],
    summary: spec.summary,
    usage: spec.usage,
    examples: spec.examples,
    allowed: isOffice,
    async run(ctx) {
      const words = ctx.args.split(" ").filter(Boolean);
      if (!words[0]) return `${await pendingList(ctx)}\n\n用法：\`${spec.usage}\`，例如：\`${spec.example}\``;
      const m = /^第?(\d{1,9})号?$/.exec(words[0]);
      if (!m) return usageAnswer(spec.usage, spec.example, `「${words[0]}」不是申请编号。`);
      const requestId = Number(m[1]);
      let rest = words.slice(1);
      let targetUnitId: number | null = null;
      if (spec.approve && rest[0]) {
        const unit = (await loadUnitDirectory(ctx.db)).directory.find(rest[0]);
        if (unit) [targetUnitId, rest] = [unit.id, rest.slice(1)];
      }
      const note = rest.join(" ").trim() || null;
      const input = { requestId, approve: spec.approve, actor: actorOf(ctx), today: ctx.today, note, targetUnitId };
      const result = await decideRequest(ctx.db, input);
      const no = `第${requestId}号`;
      if (result.status === "missing") return `没有${no}申请。发送「${spec.name}」查看待审批的申请。`;
      if (result.status === "repeat") return `${no}申请已${done}，无需重复。`;
      if (result.status === "decided") return `无法${done}：${no}申请已${other}（当前状态：已${other}）。`;
      if (result.status === "needsTarget") {
        return usageAnswer(
          spec.usage,
          `${spec.name} ${requestId} 市住建局`,
          `${no}是调整申请，请写明改由哪个单位办理。`,
        );
      }
      if (result.status === "targetTaken") {
        const t = result.target;
        return `无法${done}：${t.unit.name}已是该件的${ROLE_LABEL[t.role]}单位（当前状态：${STATE_LABEL[t.state]}）。`;
      }
      const a = await ctx.db.assignment.findUniqueOrThrow({
        where: { id: result.request.assignmentId },
        include: { unit: true, case: { include: { session: true } } },
      });
      const what = `${no}${REQUEST_TYPE_LABEL[result.request.type]}申请：${caseLabel(a.case)}（${a.unit.name}）`;
      if (result.status === "refused") {
        const reason = refusalReason(result.refusal, chineseDate);
        return `无法${done}${what}：${reason}（当前状态：${STATE_LABEL[result.assignment.state]}）。`;
      }
      const noteLine = note ? `\n意见：${escapeMarkdown(note)}` : "";
      if (!spec.approve) return `已驳回${what}。${noteLine}\n已通知${a.unit.name}。`;
      const moved = result.moved;
      if (moved) {
        const due = answersProposer(moved.role)
          ? `答复期限${date(moved.replyDeadline)}`
          : `意见期限${date(moved.opinionDeadline)}`;
        return [
          `已批准${what}，改由${moved.unit.name}${ROLE_LABEL[moved.role]}。${noteLine}`,
          `${moved.unit.name}：签收期限${date(moved.signDeadline)}，${due}。`,
          `已通知${a.unit.name}和${moved.unit.name}。`,
        ].join("\n");
      }
      const field = answersProposer(a.role) ? "答复期限" : "意见期限";
      const deadline = answersProposer(a.role) ? a.replyDeadline : a.opinionDeadline;
      return `已批准${what}，${field}延至${date(deadline)}。${noteLine}\n已通知${a.unit.name}。`;
    },
  };
}

export const approveCommand = decisionCommand({
  name: "批准",
  approve: true,
  usage: "批准 [申请号] [改由单位] [意见]",
  example: "批准 12",
  summary: "督办室：批准延期或调整申请（不写编号则列出待审批的申请）",
  examples: ["批准", "批准 12", "批准 13 市住建局 同意调整"],
});
