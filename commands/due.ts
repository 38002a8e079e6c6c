// 临期 [天数]: what falls due within the next N working days (default 7), today included, grouped by unit — so a
// liaison or the office can chase it before it is late. Overdue ones are 逾期's and only counted here.
import { chineseDate, escapeMarkdown, fitStream } from "../bot/render.ts";
import { addCalendarDays, addWorkingDays } from "../domain/calendar.ts";
import type { Command } from "./command.ts";
import {
  countOpenDuties,
  groupedPage,
  hiddenNote,
  listableUnits,
  loadOpenDuties,
  parsePage,
  usageAnswer,
} from "./duty-list.ts";

const USAGE = "临期 [工作日天数，默认7] [页码]";
const EXAMPLE = "临期 3";
const MAX_DAYS = 60;

export const dueCommand: Command = {
  name: "临期",
  aliases: ["due"],
  summary: "近期到期（默认7个工作日内）的任务，按单位分组",
  usage: USAGE,
  examples: ["临期", EXAMPLE, "临期 7 2"],
  async run(ctx) {
    const [daysText, pageText, extra] = ctx.args.split(" ").filter(Boolean);
    const days = daysText === undefined ? 7 : /^\d{1,3}$/.test(daysText) ? Number(daysText) : Number.NaN;
    const page = parsePage(pageText);
    if (extra !== undefined || !Number.isInteger(days) || page === undefined) {
      return usageAnswer(USAGE, EXAMPLE, `看不懂「${escapeMarkdown(ctx.args)}」：天数和页码都应为数字。`);
    }
    if (days > MAX_DAYS) return usageAnswer(USAGE, EXAMPLE, `天数最多${MAX_DAYS}个工作日。`);
    const units = listableUnits(ctx.member);
    if (units === "none") return "您还没有所属单位，无法列出任务。请联系督办室在成员名单中设置您的单位。";
    // Deadlines with at most `days` working days left: up to (not including) the (days+1)-th working day.
    const before = addWorkingDays(ctx.today, days + 1);
    const items = await loadOpenDuties(ctx, units, { from: ctx.today, before });
    const overdue = await countOpenDuties(ctx.db, units, { before: ctx.today });
    const overdueNote = overdue ? `另有${overdue}件已逾期，发送「逾期」查看。` : "";
    const until = chineseDate(addCalendarDays(before, -1));
    if (items.length === 0) return [`${days}个工作日内（至${until}）没有到期的任务。`, overdueNote].join("");
    const unitCount = new Set(items.map((i) => i.row.unitId)).size;
    const shown = items.filter((i) => i.visible);
    const page1 = groupedPage(shown, ctx.today, page, `临期 ${days}`);
    const head = `**${days}个工作日内到期 ${items.length}件**（至${until}，涉及${unitCount}个单位）`;
    return fitStream([head, ...page1.lines, hiddenNote(items), overdueNote, page1.footer].filter(Boolean).join("\n"));
  },
};
