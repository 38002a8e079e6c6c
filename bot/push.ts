// Which way a notice leaves: the local console when there is no WeCom; otherwise the group's 消息推送 webhook (its
// own, or WECOM_WEBHOOK_URL) where there is one, since webhook Markdown renders <@userid> mentions; otherwise the
// 智能机器人's own push over the long connection.
import type { Notice, PushChannel } from "./message.ts";
import { PushError } from "./webhook.ts";

export interface PushRoutes {
  console?: PushChannel;
  webhook?: PushChannel;
  longConnection?: PushChannel;
  /** Whether a webhook serves this chat (its own URL, or the default one). */
  hasWebhook(chatId: string | null): Promise<boolean>;
}

export function createPushRouter(routes: PushRoutes): PushChannel {
  return {
    async push(notice: Notice) {
      if (routes.console) return routes.console.push(notice);
      if (routes.webhook && (await routes.hasWebhook(notice.chatId))) return routes.webhook.push(notice);
      if (routes.longConnection && notice.chatId !== null) return routes.longConnection.push(notice);
      throw new PushError(
        `no way to reach chat ${notice.chatId ?? "(office default)"}: bind a webhook to it or set WECOM_WEBHOOK_URL`,
        true,
        { attempts: 0, delivered: 0 },
      );
    },
  };
}
