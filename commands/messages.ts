// The sentences the bot says that are not any one command's: reviewed here, in one place.

export const STRANGER =
  "您好，您还不是督办助手的成员，暂时无法查询或办理。请联系督办室把您的企业微信账号加入成员名单（成员 命令或成员表导入）。";

export function unknownCommand(word: string, near: string[]): string {
  const hint = near.length ? `您是不是要找：${near.map((n) => `「${n}」`).join("、")}？` : "";
  return `没有「${word}」这个命令。${hint}发送「帮助」查看全部命令。`;
}

export function notAllowed(command: string, refusal?: string): string {
  return refusal ?? `您的角色不能使用「${command}」命令。发送「帮助」查看您可用的命令。`;
}
