// The bound group chats as an operator manages them from the command line: which chat is bound to which unit, and
// each group's own 消息推送 webhook (its key is a secret: stored, never printed whole, never typed into a group).
import { maskWebhookUrl } from "../bot/webhook.ts";
import type { Db } from "../db/client.ts";
import { recordEvent } from "./events.ts";

export interface GroupLine {
  chatId: string;
  name: string | null;
  boundTo: string;
  webhook: string;
}

export async function listGroups(db: Db): Promise<GroupLine[]> {
  const groups = await db.groupChat.findMany({ include: { unit: true }, orderBy: { id: "asc" } });
  return groups.map((g) => ({
    chatId: g.chatId,
    name: g.name,
    boundTo: g.isOffice ? "督办室" : (g.unit?.name ?? "未绑定"),
    webhook: g.webhookUrl ? maskWebhookUrl(g.webhookUrl) : "未设置",
  }));
}

/** What is wrong with a webhook address, in words for the operator; null when it is usable. */
export function webhookProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "不是有效的网址";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "须以 https:// 开头";
  if (!parsed.searchParams.get("key")) return "缺少 key=…（在群的「消息推送」里复制完整地址）";
  return null;
}

export type SetWebhookResult =
  | { status: "set" | "cleared" | "unchanged" }
  | { status: "noGroup" | "invalid"; why?: string };

/** Sets (or with null clears) a bound group's own webhook; written to the audit log with the key masked. */
export async function setGroupWebhook(db: Db, chatId: string, url: string | null): Promise<SetWebhookResult> {
  if (url !== null) {
    const why = webhookProblem(url);
    if (why) return { status: "invalid", why };
  }
  return db.$transaction(async (tx) => {
    const group = await tx.groupChat.findUnique({ where: { chatId } });
    if (!group) return { status: "noGroup" };
    if (group.webhookUrl === url) return { status: "unchanged" };
    await tx.groupChat.update({ where: { id: group.id }, data: { webhookUrl: url } });
    const masked = (u: string | null) => ({ chatId, webhook: u ? maskWebhookUrl(u) : null });
    await recordEvent(tx, {
      actorLabel: "命令行",
      chatId,
      action: "group.webhook_set",
      before: masked(group.webhookUrl),
      after: masked(url),
    });
    return { status: url ? "set" : "cleared" };
  });
}
