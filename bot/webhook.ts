// Pushes notices through a 消息推送 webhook (the group's own, or WECOM_WEBHOOK_URL): Markdown with `<@userid>`
// mentions, split at line boundaries into pieces of ≤ 4096 bytes sent in order. Every request takes a slot of the
// shared Redis window first, so WeCom's 20 per minute per robot holds across processes and 45009 stays exceptional.
// WeCom answers errors as HTTP 200 with a non-zero errcode; only errcode 0 is a delivery.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { Histogram } from "prom-client";
import { log as defaultLog } from "../app/log.ts";
import { splitToFit, WEBHOOK_MARKDOWN_MAX_BYTES } from "./limits.ts";
import type { Notice, PushChannel } from "./message.ts";
import { type Clock, realClock, type SlidingWindow } from "./rate-limit.ts";

/** WeCom's limit per robot; build the channel's limiter with these. */
export const WEBHOOK_LIMIT = 20;
/** One minute plus a second of margin: our send time is not WeCom's arrival time (latency, clock difference). */
export const WEBHOOK_WINDOW_MS = 61_000;
/** How long to hold back after a 45009: WeCom's minute-level bans last 60 s. */
export const RATE_BAN_WAIT_MS = 60_000;

const ERR_SYSTEM_BUSY = -1;
const ERR_RATE_LIMITED = 45009;
/** 93000: key invalid or robot removed from the group; 93004: robot disabled. Retrying cannot help either. */
const ROBOT_GONE = new Set([93000, 93004]);

/** A push that did not go through. `permanent`: retrying the same notice will fail again. */
export class PushError extends Error {
  override readonly name = "PushError";
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly details: { errcode?: number; status?: number; attempts: number; delivered: number },
  ) {
    super(message);
  }
}

export interface WebhookChannelOptions {
  /** WECOM_WEBHOOK_URL: used when webhookFor gives nothing. */
  defaultWebhookUrl?: string;
  /** The bound group's webhook URL, if it has its own. */
  webhookFor(chatId: string | null): Promise<string | undefined>;
  /** Shared across processes; create with WEBHOOK_LIMIT and WEBHOOK_WINDOW_MS. */
  limiter: SlidingWindow;
  /** Waits (back-off, 45009) happen on this clock; default realClock. */
  clock?: Clock;
  fetch?: typeof fetch;
  /** Requests per piece before giving up, 45009 included; default 6. */
  maxAttempts?: number;
  /** First back-off after a 5xx / network error / timeout, doubling each time up to 60 s; default 2000. */
  backoffMs?: number;
  /** Real-time limit for one HTTP request; default 10 000. */
  timeoutMs?: number;
  /** Called once when WeCom says the robot is gone (93000/93004). The URL holds the key: never log it. */
  onRobotRemoved(webhookUrl: string, chatId: string | null): Promise<void> | void;
  log?: Logger;
  /** casebot_webhook_rate_limit_wait_seconds (app/metrics.ts): waits for the shared window and for 45009 bans. */
  rateLimitWaits?: Histogram<"reason">;
}

/** True when the push failed because the robot is gone (93000/93004): onRobotRemoved has told the office already. */
export function isRobotGone(error: unknown): boolean {
  return error instanceof PushError && error.details.errcode !== undefined && ROBOT_GONE.has(error.details.errcode);
}

/** The webhook URL for logs: the key replaced by a short fingerprint, enough to tell robots apart. */
export function maskWebhookUrl(webhookUrl: string): string {
  try {
    const url = new URL(webhookUrl);
    const key = url.searchParams.get("key");
    if (key) url.searchParams.set("key", `***${fingerprint(key)}`);
    return `${url.origin}${url.pathname}${url.search}`;
  } catch {
    return "(invalid webhook url)";
  }
}

function fingerprint(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

type Outcome =
  | { kind: "ok" }
  | { kind: "errcode"; errcode: number; errmsg: string }
  | { kind: "http"; status: number }
  | { kind: "network"; reason: string };

export function createWebhookChannel(options: WebhookChannelOptions): PushChannel {
  const clock = options.clock ?? realClock;
  const doFetch = options.fetch ?? fetch;
  const maxAttempts = options.maxAttempts ?? 6;
  const backoffMs = options.backoffMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const log = options.log ?? defaultLog;
  // Robots this process saw removed, with WeCom's errcode: later pushes fail at once, without another alert.
  const gone = new Map<string, number>();

  async function post(url: string, content: string): Promise<Outcome> {
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ msgtype: "markdown", markdown: { content } }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status !== 200) return { kind: "http", status: res.status };
      const body = JSON.parse(text) as { errcode?: unknown; errmsg?: unknown };
      const errcode = typeof body.errcode === "number" ? body.errcode : Number.NaN;
      if (errcode === 0) return { kind: "ok" };
      return { kind: "errcode", errcode, errmsg: String(body.errmsg ?? "") };
    } catch (error) {
      // Timeouts, refused or dropped connections, and a 200 whose body is not WeCom's JSON (a proxy page).
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { kind: "network", reason };
    }
  }

  /** Sends one piece until WeCom confirms it; throws PushError otherwise. */
  async function sendPiece(url: string, chatId: string | null, content: string, delivered: number): Promise<void> {
    const webhook = maskWebhookUrl(url);
    const rateKey = new URL(url).searchParams.get("key") ?? url;
    let retries = 0;
    let last: Outcome = { kind: "network", reason: "not sent" };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const waited = await options.limiter.acquire(rateKey);
      if (waited > 0) options.rateLimitWaits?.observe({ reason: "window" }, waited / 1000);
      last = await post(url, content);
      const context = { webhook, chatId, attempt, piece: delivered + 1 };
      if (last.kind === "ok") return;
      if (last.kind === "errcode" && last.errcode === ERR_RATE_LIMITED) {
        log.warn(context, "企业微信限流（45009），等待 60 秒后重发");
        await clock.sleep(RATE_BAN_WAIT_MS);
        options.rateLimitWaits?.observe({ reason: "wecom_45009" }, RATE_BAN_WAIT_MS / 1000);
        continue;
      }
      if (last.kind === "errcode" && ROBOT_GONE.has(last.errcode)) {
        log.error({ ...context, errcode: last.errcode }, "群机器人已失效（key 无效或已被移出群），停止推送");
        // Concurrent pushes may all meet the 93000: the office hears of it once.
        if (!gone.has(url)) {
          gone.set(url, last.errcode);
          try {
            await options.onRobotRemoved(url, chatId);
          } catch (error) {
            log.error({ webhook, err: error }, "通知督办室机器人失效时出错");
          }
        }
        throw new PushError(`群机器人已失效（errcode ${last.errcode}）：${webhook}`, true, {
          errcode: last.errcode,
          attempts: attempt,
          delivered,
        });
      }
      const retryable =
        last.kind === "network" ||
        (last.kind === "http" && (last.status >= 500 || last.status === 429)) ||
        (last.kind === "errcode" && last.errcode === ERR_SYSTEM_BUSY);
      if (!retryable) {
        log.error({ ...context, ...last }, "企业微信拒绝了消息，不再重试");
        throw new PushError(`企业微信拒绝了消息（${describe(last)}）：${webhook}`, true, {
          ...codes(last),
          attempts: attempt,
          delivered,
        });
      }
      if (attempt === maxAttempts) break;
      // Exponential, without jitter: the shared window already spreads processes apart.
      const wait = Math.min(backoffMs * 2 ** retries, 60_000);
      retries += 1;
      log.warn({ ...context, ...last, waitMs: wait }, "推送失败，稍后重试");
      await clock.sleep(wait);
    }
    log.error({ webhook, chatId, ...last }, "推送多次失败，放弃本次推送");
    throw new PushError(`推送失败，已重试 ${maxAttempts} 次（${describe(last)}）：${webhook}`, false, {
      ...codes(last),
      attempts: maxAttempts,
      delivered,
    });
  }

  return {
    async push(notice: Notice) {
      const url = (await options.webhookFor(notice.chatId)) ?? options.defaultWebhookUrl;
      if (!url) {
        throw new PushError(`没有可用的群机器人 webhook（群 ${notice.chatId ?? "默认"}）`, true, {
          attempts: 0,
          delivered: 0,
        });
      }
      const goneWith = gone.get(url);
      if (goneWith !== undefined) {
        throw new PushError(`群机器人已失效：${maskWebhookUrl(url)}`, true, {
          errcode: goneWith,
          attempts: 0,
          delivered: 0,
        });
      }
      // WeCom refuses empty content; splitToFit never makes a blank piece of a message with something to read.
      if (notice.markdown.trim() === "") throw new PushError("消息内容为空", true, { attempts: 0, delivered: 0 });
      const pieces = splitToFit(notice.markdown, WEBHOOK_MARKDOWN_MAX_BYTES);
      for (const [i, piece] of pieces.entries()) await sendPiece(url, notice.chatId, piece, i);
    },
  };
}

function describe(outcome: Outcome): string {
  if (outcome.kind === "errcode") return `errcode ${outcome.errcode}：${outcome.errmsg}`;
  if (outcome.kind === "http") return `HTTP ${outcome.status}`;
  if (outcome.kind === "network") return `网络错误：${outcome.reason}`;
  return "ok";
}

function codes(outcome: Outcome): { errcode?: number; status?: number } {
  if (outcome.kind === "errcode") return { errcode: outcome.errcode };
  if (outcome.kind === "http") return { status: outcome.status };
  return {};
}
