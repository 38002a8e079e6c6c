// 单位 <名>: one unit's open assignments, by full name or short name (市发改委). Leaders and the office may ask about
// any unit; everybody else only about their own.
import { escapeMarkdown } from "../bot/render.ts";
import { loadUnitDirectory } from "../casework/import-people.ts";
import { seesAllUnits } from "./access.ts";
import type { Command } from "./command.ts";
import { parsePage, unitDutiesAnswer, usageAnswer } from "./duty-list.ts";

const USAGE = "单位 <单位名称或简称> [页码]";
const EXAMPLE = "单位 市发改委";

export const unitCommand: Command = {
  name: "单位",
  aliases: ["unit"],
  summary: "某个单位未办结的任务（领导、督办室可查各单位，其他人可查本单位）",
  usage: USAGE,
  examples: [EXAMPLE, "单位 市发展改革委 2"],
  async run(ctx) {
    const words = ctx.args.split(" ").filter(Boolean);
    // A trailing number is the page: 单位 市发改委 2.
    const last = words.at(-1);
    const page = words.length > 1 && last !== undefined && /^\d+$/.test(last) ? parsePage(words.pop()) : 1;
    const name = words.join("");
    if (!name) return usageAnswer(USAGE, EXAMPLE, "请写明要查询的单位。");
    if (page === undefined) return usageAnswer(USAGE, EXAMPLE, "页码应为正整数。");
    const { directory } = await loadUnitDirectory(ctx.db);
    const unit = directory.find(name);
    if (!unit) return escapeMarkdown(directory.unknownMessage(name));
    if (!seesAllUnits(ctx.member) && ctx.member.unitId !== unit.id) {
      const own = ctx.member.unit ? `本单位（${escapeMarkdown(ctx.member.unit.name)}）` : "本单位";
      return `您只能查看${own}的任务，其他单位的办理情况请联系分管领导或督办室。查看本单位请发送「我的」。`;
    }
    return unitDutiesAnswer(ctx, unit, page, `单位 ${escapeMarkdown(unit.name)}`);
  },
};
