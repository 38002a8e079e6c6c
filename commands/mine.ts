// 我的: what my unit still owes, soonest deadline first — the question units ask most ("我们还有什么没办？").
import { escapeMarkdown } from "../bot/render.ts";
import type { Command } from "./command.ts";
import { parsePage, unitDutiesAnswer, usageAnswer } from "./duty-list.ts";

const USAGE = "我的 [页码]";

export const mineCommand: Command = {
  name: "我的",
  aliases: ["mine"],
  summary: "本单位未办结的任务，最近到期的在前",
  usage: USAGE,
  examples: ["我的", "我的 2"],
  async run(ctx) {
    const page = parsePage(ctx.args);
    if (page === undefined) return usageAnswer(USAGE, "我的 2", `「${escapeMarkdown(ctx.args)}」不是页码。`);
    const unit = ctx.member.unit;
    if (!unit) return "您还没有所属单位，无法列出本单位的任务。请联系督办室在成员名单中设置您的单位。";
    const hint = unit.isOffice ? "督办室可发送「逾期」「临期」查看各单位情况。" : "";
    return unitDutiesAnswer(ctx, unit, page, "我的", hint);
  },
};
