// 绑定 <单位|督办室> (office only, in a group chat): this group now speaks for that unit, or for the office — which
// decides where its notices go and whether a 不予公开 case may be named here.
import { bindGroup } from "../casework/assignments.ts";
import { loadUnitDirectory } from "../casework/import-people.ts";
import { isOffice } from "./access.ts";
import type { Command } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf } from "./update-target.ts";

const USAGE = "绑定 <单位|督办室>";
const EXAMPLE = "绑定 市发改委";
const OFFICE_WORDS = new Set(["督办室", "督办", "办公室", "office"]);

export const bindCommand: Command = {
  name: "绑定",
  aliases: [],
  summary: "督办室：把本群绑定到一个承办单位或督办室（在群里发送）",
  usage: USAGE,
  examples: [EXAMPLE, "绑定 督办室"],
  allowed: isOffice,
  async run(ctx) {
    const chatId = ctx.message.chatId;
    if (ctx.message.chatType !== "group" || !chatId) {
      return `「绑定」只能在群聊中使用：请在要绑定的群里 @督办助手 发送「${EXAMPLE}」或「绑定 督办室」。`;
    }
    const text = ctx.args.trim();
    if (!text) return usageAnswer(USAGE, EXAMPLE, "请写明绑定到哪个单位，或督办室。");
    let unitId: number | null = null;
    let name = "督办室";
    if (!OFFICE_WORDS.has(text.toLowerCase())) {
      const { directory } = await loadUnitDirectory(ctx.db);
      const found = directory.find(text);
      if (!found) return directory.unknownMessage(text);
      const unit = await ctx.db.unit.findUniqueOrThrow({ where: { id: found.id } });
      // The office's own unit binds the group as the office's.
      if (!unit.isOffice) [unitId, name] = [unit.id, unit.name];
    }
    const result = await bindGroup(ctx.db, { actor: actorOf(ctx), chatId, unitId });
    const as = unitId === null ? "督办室工作群" : `${name}的工作群`;
    if (result.status === "repeat") return `本群已绑定为${as}，无需重复。`;
    const before = result.before;
    let was = "";
    if (before?.isOffice) was = "（原为督办室工作群）";
    else if (before?.unitId) {
      const old = await ctx.db.unit.findUnique({ where: { id: before.unitId } });
      was = old ? `（原为${old.name}的工作群）` : "";
    }
    return `已将本群绑定为${as}${was}。`;
  },
};
