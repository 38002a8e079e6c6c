// 帮助: lists the commands, or one command's usage with examples — generated from the command specs themselves.
import type { Command } from "./command.ts";
import { notAllowed } from "./messages.ts";

export function helpCommand(all: () => Command[]): Command {
  // Only what this member may use is listed (and explained).
  return {
    name: "帮助",
    aliases: ["help"],
    summary: "列出可用命令，或查看某个命令的用法",
    usage: "帮助 [命令]",
    examples: ["帮助", "帮助 查"],
    async run({ args, member }) {
      const mayUse = (c: Command) => c.allowed?.(member) ?? true;
      const commands = all().filter(mayUse);
      const wanted = args.trim().replace(/^[/／]/, "");
      if (wanted) {
        const command = all().find((c) => c.name === wanted || c.aliases.includes(wanted.toLowerCase()));
        if (!command) return `没有「${wanted}」这个命令。发送「帮助」查看全部命令。`;
        // A command that exists but is not this member's to use: say so, rather than that it does not exist.
        if (!mayUse(command)) return notAllowed(command.name, command.refusal);
        const aliases = command.aliases.length ? `\n别名：${command.aliases.join("、")}` : "";
        const examples = command.examples.map((e) => `- \`@督办助手 /${e}\``).join("\n");
        return `**${command.name}**：${command.summary}\n用法：\`${command.usage}\`${aliases}\n示例：\n${examples}`;
      }
      const lines = commands.map((c) => `- **${c.name}**（${c.usage}）：${c.summary}`);
      return ["**督办助手可用命令**", ...lines, "", "发送「帮助 命令名」查看用法，例如「帮助 查」。"].join("\n");
    },
  };
}
