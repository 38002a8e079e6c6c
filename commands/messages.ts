// The sentences the bot says that are not any one command's: reviewed here, in one place.
import { escapeMarkdown } from "../bot/render.ts";

export const STRANGER =
  "您好，您还不是督办助手的成员，暂时无法查询或办理。请联系督办室把您的企业微信账号加入成员名单（成员 命令或成员表导入）。";

/** Longest part of an unknown command word repeated back; the rest is only noise. */
const ECHO_MAX = 20;

export function unknownCommand(word: string, near: string[]): string {
  const hint = near.length ? `您是不是要找：${near.map((n) => `「${n}」`).join("、")}？` : "";
  const chars = [...word];
  const shown = chars.length > ECHO_MAX ? `${chars.slice(0, ECHO_MAX).join("")}…` : word;
  // What was typed is repeated inert: "<@某人>" typed as a command must not become a mention in our answer.
  return `没有「${escapeMarkdown(shown)}」这个命令。${hint}发送「帮助」查看全部命令。`;
}

export function notAllowed(command: string, refusal?: string): string {
  return refusal ?? `您的角色不能使用「${command}」命令。发送「帮助」查看您可用的命令。`;
}
