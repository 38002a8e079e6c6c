// 统计 [届次|年份] [单位]: the figures the reports print — counts by kind and role, 办复率, 按期办结率, A/B/C, 满意率,
// 面商率, 会办意见 — each share with what it is a share of. Leaders and the office may count any unit or all of them;
// everybody else counts their own unit.
import { escapeMarkdown, fitStream } from "../bot/render.ts";
import {
  loadStatRows,
  replyClassesFor,
  resolveSelection,
  type Selection,
  type SelectionProblem,
} from "../casework/statistics-data.ts";
import { CASE_KIND_LABEL, type CaseKind, ROLE_LABEL } from "../domain/labels.ts";
import { classShares, computeStatistics, formatRatio, type Ratio, type Statistics } from "../domain/statistics.ts";
import { seesAllUnits } from "./access.ts";
import type { Command, CommandContext } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";

const USAGE = "统计 [届次|年份] [单位]";
const EXAMPLE = "统计 2023 市发改委";
const KINDS: CaseKind[] = ["MOTION", "SUGGESTION", "PROPOSAL"];

/** The answer to a selection that could not be read, with the usage line where the words were wrong. */
export function selectionProblemAnswer(problem: SelectionProblem, usage: string, example: string): string {
  switch (problem.problem) {
    case "noUnit":
      return "您还没有所属单位，无法统计。请联系督办室在成员名单中设置您的单位。";
    case "otherUnit":
      return `您只能统计本单位的数字；${escapeMarkdown(problem.unitName)}的情况请联系分管领导或督办室。`;
    case "ambiguousSession": {
      const names = problem.candidates.map((n) => `「${escapeMarkdown(n)}」`).join("、");
      return usageAnswer(usage, example, `「${escapeMarkdown(problem.word)}」对应多个届次：${names}，请写全称。`);
    }
    case "repeated":
      return usageAnswer(usage, example, `「${escapeMarkdown(problem.word)}」重复了：届次或年份、单位各写一个。`);
    case "unknown": {
      const near = problem.suggestions.map((n) => `「${escapeMarkdown(n)}」`).join("、");
      const hint = near ? `您是不是要找：${near}？` : "";
      return usageAnswer(usage, example, `没有找到「${escapeMarkdown(problem.word)}」这个${problem.expected}。${hint}`);
    }
  }
}

/** "2023年 · 市发展改革委", "市政协五届二次会议 · 全部单位". */
export function selectionTitle(selection: Selection): string {
  const when = selection.sessionName
    ? selection.sessionName
    : selection.scope.year !== undefined
      ? `${selection.scope.year}年交办`
      : "全部届次";
  return `${escapeMarkdown(when)} · ${escapeMarkdown(selection.unitName ?? "全部单位")}`;
}

/** "100.0%（已答复46件/应答复46件）", or what is missing instead of a division by zero. */
export function rateText(ratio: Ratio, part: string, whole: string, none: string): string {
  const rate = formatRatio(ratio);
  return rate ? `${rate}（${part}${ratio.part}件/${whole}${ratio.whole}件）` : none;
}

/** "建议提案", "建议", "议案建议": the kinds present, as the reports name a mixed batch. */
export function casesNoun(s: Statistics): string {
  const kinds = KINDS.filter((k) => s.byKind[k] > 0);
  return kinds.length ? kinds.map((k) => CASE_KIND_LABEL[k]).join("") : "建议提案";
}

export function roleCounts(s: Statistics): string {
  const parts = (["LEAD", "SEPARATE", "JOINT", "ASSIST"] as const)
    .filter((r) => s.byRole[r] > 0)
    .map((r) => `${ROLE_LABEL[r]}${s.byRole[r]}件`);
  return parts.join("，");
}

function figures(s: Statistics, perUnit: boolean): string[] {
  const kinds = KINDS.filter((k) => s.byKind[k] > 0).map((k) => `${CASE_KIND_LABEL[k]}${s.byKind[k]}件`);
  const count = perUnit ? `承办共${s.cases}件` : `交办共${s.cases}件（${s.assignments}件次）`;
  const lines = [`${count}：${kinds.join("，")}；${roleCounts(s)}`];
  const r = s.reply;
  const answering = s.byRole.LEAD + s.byRole.SEPARATE;
  if (answering > 0) {
    const waiting = r.notYetDue ? `；另有${r.notYetDue}件未到答复期限` : "";
    lines.push(`- 办复率 ${rateText(s.replyRate, "已答复", "应答复", "—（尚无到期应答复的件）")}${waiting}`);
    lines.push(`- 按期办结率 ${rateText(s.onTimeRate, "按期答复", "已答复", "—（尚无答复）")}`);
    if (r.replied > 0) {
      const shares = classShares(s.classes)
        .map((c) => `${c.replyClass}类${c.count}件，占${c.share}`)
        .join("；");
      lines.push(`- 答复类别（按首次答复，共${r.replied}件）：${shares}`);
    }
    const f = s.feedback;
    const satisfaction = rateText(s.satisfactionRate, "满意和基本满意", "收到反馈", "—（尚未收到反馈）");
    const split = f.received
      ? `：满意${f.satisfied}件，基本满意${f.basicallySatisfied}件，不满意${f.unsatisfied}件`
      : "";
    lines.push(`- 满意率 ${satisfaction}${split}`);
    if (f.received) lines.push(`- 基本满意率 ${rateText(s.basicSatisfactionRate, "基本满意", "收到反馈", "")}`);
    lines.push(`- 面商率 ${rateText(s.faceRate, "已面商", "应面商", "—（尚无应面商的件）")}`);
    lines.push(`- 不满意重新办理 ${s.rehandled.count}件，其中重新办理后满意或基本满意${s.rehandled.nowSatisfied}件`);
    lines.push(`- B类续办 ${s.followUps.count}件，其中已解决（B→A）${s.followUps.resolved}件`);
  }
  const supporting = s.byRole.JOINT + s.byRole.ASSIST;
  if (supporting > 0) {
    const none = `—（${supporting}件均未到提交期限）`;
    lines.push(`- 会办意见按期提交率 ${rateText(s.opinionOnTimeRate, "按期提交", "应提交", none)}`);
  }
  const cases = s.caseClasses.filter((c) => c.count > 0);
  // For one unit, the classes of every case it took part in (the 安康 report's "A类复函3件"); across units the
  // same figure is the line above.
  if (perUnit && supporting > 0 && cases.length > 0) {
    const text = cases.map((c) => `${c.replyClass}类${c.count}件`).join("，");
    lines.push(`- 所办件答复类别（含会办件的主办答复）：${text}`);
  }
  lines.push(`- 逾期未办 ${s.overdue}件`);
  return lines;
}

export const statsCommand: Command = {
  name: "统计",
  aliases: ["stats"],
  summary: "办理数字：件数、办复率、按期办结率、A/B/C类、满意率、面商率（其他单位仅领导和督办室可查）",
  usage: USAGE,
  examples: ["统计", "统计 2023", "统计 市政协五届二次会议 市发改委"],
  async run(ctx: CommandContext) {
    const words = ctx.args.split(" ").filter(Boolean);
    const viewer = { seesAllUnits: seesAllUnits(ctx.member), unitId: ctx.member.unitId };
    const selection = await resolveSelection(ctx.db, viewer, words, { year: true, session: true, unit: true });
    if ("problem" in selection) return selectionProblemAnswer(selection, USAGE, EXAMPLE);
    const rows = await loadStatRows(ctx.db, selection.scope);
    if (rows.length === 0) return `没有可统计的建议提案（${selectionTitle(selection)}）。`;
    const s = computeStatistics(rows, ctx.today, await replyClassesFor(ctx.db, selection.scope));
    const head = `**统计：${selectionTitle(selection)}**`;
    return fitStream([head, ...figures(s, selection.scope.unitId !== undefined)].join("\n"));
  },
};
