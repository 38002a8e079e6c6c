// Which way a notice leaves: the local console when there is no WeCom; otherwise the group's 消息推送 webhook (its
// own, or WECOM_WEBHOOK_URL) where there is one, since webhook Markdown renders <@userid> mentions; otherwise the
// 智能机器人's own push over the long connection. Every push is counted here, where both its kind and its way are known.
import type { Counter } from "prom-client";
import type { Notice, PushChannel } from "./message.ts";
import { PushError } from "./webhook.ts";

/** What a push carries: an Outbox notice (交办, 申请, 告警, 周报…) or a reminder digest. */
export type PushKind = "notice" | "reminder";
/** Which way a push left; "none" when no channel could carry it. */
export type PushRoute = "console" | "webhook" | "long_connection" | "none";

/** A PushChannel that is also told what it carries (a plain PushChannel fits wherever this is asked for). */
export interface PushRouter {
  push(notice: Notice, kind?: PushKind): Promise<void>;
}

export interface PushRoutes {
  console?: PushChannel;
  webhook?: PushChannel;
  longConnection?: PushChannel;
  /** Whether a webhook serves this chat (its own URL, or the default one). */
  hasWebhook(chatId: string | null): Promise<boolean>;
  /** casebot_pushes_total (app/metrics.ts). */
  pushes?: Counter<"kind" | "channel" | "outcome">;
}

export function createPushRouter(routes: PushRoutes): PushRouter {
  async function routeFor(chatId: string | null): Promise<PushRoute> {
    if (routes.console) return "console";
    if (routes.webhook && (await routes.hasWebhook(chatId))) return "webhook";
    if (routes.longConnection && chatId !== null) return "long_connection";
    return "none";
  }
  const channels: Record<PushRoute, PushChannel | undefined> = {
    console: routes.console,
    webhook: routes.webhook,
    long_connection: routes.longConnection,
    none: undefined,
  };
  return {
    async push(notice: Notice, kind: PushKind = "notice") {
      const route = await routeFor(notice.chatId);
      try {
        const channel = channels[route];
        if (!channel) {
          throw new PushError(
            `no way to reach chat ${notice.chatId ?? "(office default)"}: bind a webhook to it or set WECOM_WEBHOOK_URL`,
            true,
            { attempts: 0, delivered: 0 },
          );
        }
        await channel.push(notice);
      } catch (error) {
        routes.pushes?.inc({ kind, channel: route, outcome: "failed" });
        throw error;
      }
      routes.pushes?.inc({ kind, channel: route, outcome: "sent" });
    },
  };
}
