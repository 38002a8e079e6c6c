// The way out for notices as `npm start` wires it: the console, the groups' webhooks (behind the shared Redis window)
// or the long connection (bot/push.ts picks per notice), counted for /metrics. A robot WeCom reports gone (93000)
// becomes an office alert in the Outbox, once per chat and day.
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PushChannel } from "../bot/message.ts";
import { createPushRouter, type PushRouter } from "../bot/push.ts";
import { type Clock, createSlidingWindow, realClock } from "../bot/rate-limit.ts";
import { createWebhookChannel, maskWebhookUrl, WEBHOOK_LIMIT, WEBHOOK_WINDOW_MS } from "../bot/webhook.ts";
import type { Db } from "../db/client.ts";
import { todayIn } from "../domain/calendar.ts";
import { alertRobotRemoved } from "../jobs/send-notices.ts";
import type { Metrics } from "./metrics.ts";

export interface PushSetup {
  db: Db;
  redisUrl: string;
  /** Rate-window key prefix; default "casebot" (shared by every instance, as WeCom's limit is). */
  prefix?: string;
  /** WECOM_WEBHOOK_URL. */
  defaultWebhookUrl?: string;
  /** TZ_CASES: the day of the once-a-day robot alert. */
  timeZone: string;
  console?: PushChannel;
  longConnection?: PushChannel;
  metrics: Metrics;
  log: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
}

export function createPush(setup: PushSetup): { push: PushRouter; close(): Promise<void> } {
  const { db, log } = setup;
  const clock = setup.clock ?? realClock;
  const webhookOf = async (chatId: string | null) =>
    chatId ? ((await db.groupChat.findUnique({ where: { chatId } }))?.webhookUrl ?? undefined) : undefined;
  const limiterRedis = new Redis(setup.redisUrl, { maxRetriesPerRequest: null });
  const webhook = createWebhookChannel({
    defaultWebhookUrl: setup.defaultWebhookUrl,
    webhookFor: webhookOf,
    limiter: createSlidingWindow({
      redis: limiterRedis,
      prefix: setup.prefix ?? "casebot",
      limit: WEBHOOK_LIMIT,
      windowMs: WEBHOOK_WINDOW_MS,
      clock,
    }),
    clock,
    ...(setup.fetch ? { fetch: setup.fetch } : {}),
    onRobotRemoved: async (url, chatId) => {
      // Retrying cannot help; the office must re-add the robot or fix the key.
      log.error({ chatId, webhook: maskWebhookUrl(url) }, "群机器人已失效（93000），已告警督办室");
      await alertRobotRemoved({ db, clock }, chatId, todayIn(setup.timeZone, new Date(clock.now())));
    },
    log,
    rateLimitWaits: setup.metrics.rateLimitWaits,
  });
  const push = createPushRouter({
    console: setup.console,
    webhook,
    longConnection: setup.longConnection,
    hasWebhook: async (chatId) => Boolean(setup.defaultWebhookUrl || (await webhookOf(chatId))),
    pushes: setup.metrics.pushes,
  });
  return {
    push,
    async close() {
      await limiterRedis.quit();
    },
  };
}
