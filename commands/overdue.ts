// 逾期 [页码]: every open duty past its deadline, grouped by unit, most overdue first — "哪个单位逾期了？".
import { escapeMarkdown, fitStream } from "../bot/render.ts";
import type { Command } from "./command.ts";
import { groupedPage, hiddenNote, listableUnits, loadOpenDuties, parsePage, usageAnswer } from "./duty-list.ts";

const USAGE = "逾期 [页码]";

export const overdueCommand: Command = {
  name: "逾期",
  aliases: ["overdue"],
  summary: "已超过期限仍未完成的任务，按单位分组，逾期最久的在前",
  usage: USAGE,
  examples: ["逾期", "逾期 2"],
  async run(ctx) {
    const page = parsePage(ctx.args);
    if (page === undefined) return usageAnswer(USAGE, "逾期 2", `「${escapeMarkdown(ctx.args)}」不是页码。`);
    const units = listableUnits(ctx.member);
    if (units === "none") return "您还没有所属单位，无法列出任务。请联系督办室在成员名单中设置您的单位。";
    const items = await loadOpenDuties(ctx, units, { before: ctx.today });
    if (items.length === 0) return "目前没有逾期未办的任务。";
    const unitCount = new Set(items.map((i) => i.row.unitId)).size;
    const current = groupedPage(
      items.filter((i) => i.visible),
      ctx.today,
      page,
      "逾期",
    );
    const head = `**逾期未办 ${items.length}件**（涉及${unitCount}个单位）`;
    return fitStream([head, ...current.lines, hiddenNote(items), current.footer].filter(Boolean).join("\n"));
  },
};
