// 帮助: lists the commands, or one command's usage with examples — generated from the command specs themselves.
import type { Command } from "./command.ts";

export function helpCommand(all: () => Command[]): Command {
  // Only what this member may use is listed (and explained).
  return {
    name: "帮助",
    aliases: ["help"],
    summary: "列出可用命令，或查看某个命令的用法",
    usage: "帮助 [命令]",
    examples: ["帮助", "帮助 查"],
    async run({ args, member }) {
      const commands = all().filter((c) => c.allowed?.(member) ?? true);
      const wanted = args.trim().replace(/^\//, "");
      if (wanted) {
        const command = commands.find((c) => c.name === wanted || c.aliases.includes(wanted.toLowerCase()));
        if (!command) return `没有「${wanted}」这个命令。发送「帮助」查看全部命令。`;
        const aliases = command.aliases.length ? `\n别名：${command.aliases.join("、")}` : "";
        const examples = command.examples.map((e) => `- \`@督办助手 /${e}\``).join("\n");
        return `**${command.name}**：${command.summary}\n用法：\`${command.usage}\`${aliases}\n示例：\n${examples}`;
      }
      const lines = commands.map((c) => `- **${c.name}**（${c.usage}）：${c.summary}`);
      return ["**督办助手可用命令**", ...lines, "", "发送「帮助 命令名」查看用法，例如「帮助 查」。"].join("\n");
    },
  };
}
