// 进度 [届次]: each unit's progress — assigned, 签收, replied, overdue — and the totals, the units with overdue work
// first: "还有几件没答复？哪个单位逾期了？". A view across units, so for leaders and the office only.
import { chineseDate, escapeMarkdown, fitStream } from "../bot/render.ts";
import { loadStatRows, replyClassesFor, resolveSelection, unitNames } from "../casework/statistics-data.ts";
import { computeStatistics, type Statistics, statisticsByUnit } from "../domain/statistics.ts";
import { seesAllUnits } from "./access.ts";
import type { Command } from "./command.ts";
import { casesNoun, rateText, selectionProblemAnswer } from "./stats.ts";

const USAGE = "进度 [届次]";
const EXAMPLE = "进度 市政协五届二次会议";

/** "交办5件，已签收4件，已答复2/3件，会办意见已送1/2件，逾期1件"; across units, assignments are 件次. */
function progressLine(s: Statistics, each = "件"): string {
  const answering = s.byRole.LEAD + s.byRole.SEPARATE;
  const supporting = s.byRole.JOINT + s.byRole.ASSIST;
  const parts = [`交办${s.assignments}${each}`, `已签收${s.signed}${each}`];
  if (answering) parts.push(`已答复${s.reply.replied}/${answering}件`);
  if (supporting) parts.push(`会办意见已送${s.opinions.sent}/${supporting}件`);
  parts.push(s.overdue ? `**逾期${s.overdue}件**` : "无逾期");
  return parts.join("，");
}

export const progressCommand: Command = {
  name: "进度",
  aliases: ["progress"],
  summary: "各单位办理进度：交办、签收、答复、逾期件数及合计（领导和督办室）",
  usage: USAGE,
  examples: ["进度", EXAMPLE],
  allowed: seesAllUnits,
  refusal:
    "「进度」汇总各单位的办理进度，仅限领导和督办室使用。查看本单位待办请发送「我的」，本单位的数字请发送「统计」。",
  async run(ctx) {
    // Session names have no spaces; "市政协 五届二次会议" is one name typed loosely.
    const words = ctx.args ? [ctx.args.replace(/ /g, "")] : [];
    const viewer = { seesAllUnits: true, unitId: ctx.member.unitId };
    const selection = await resolveSelection(ctx.db, viewer, words, { year: false, session: true, unit: false });
    if ("problem" in selection) return selectionProblemAnswer(selection, USAGE, EXAMPLE);
    const where = escapeMarkdown(selection.sessionName ?? "全部届次");
    const rows = await loadStatRows(ctx.db, selection.scope);
    if (rows.length === 0) return `${where}没有交办的建议提案，暂无进度可看。`;

    const classes = await replyClassesFor(ctx.db, selection.scope);
    const total = computeStatistics(rows, ctx.today, classes);
    const byUnit = statisticsByUnit(rows, ctx.today, classes);
    const names = await unitNames(ctx.db, byUnit.keys());
    const name = (id: number) => names.get(id) ?? `单位${id}`;
    // Units with overdue work first, then those with the most left to answer; ties by name.
    const units = [...byUnit].sort(
      ([a, x], [b, y]) =>
        y.overdue - x.overdue ||
        y.reply.due - y.reply.replied - (x.reply.due - x.reply.replied) ||
        name(a).localeCompare(name(b), "zh-CN"),
    );
    const head = `**办理进度：${where}**（截至${chineseDate(ctx.today)}，${byUnit.size}个承办单位）`;
    const waiting = total.reply.notYetDue ? `，另有${total.reply.notYetDue}件未到答复期限` : "";
    const rate = rateText(total.replyRate, "已答复", "应答复", "—（尚无到期应答复的件）");
    const totals = `**合计**：${casesNoun(total)}${total.cases}件，${progressLine(total, "件次")}；办复率 ${rate}${waiting}`;
    const lines = units.map(([id, s]) => `- **${escapeMarkdown(name(id))}**：${progressLine(s)}`);
    return fitStream([head, totals, ...lines].join("\n"));
  },
};
