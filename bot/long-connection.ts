// 智能机器人 long connection: the official SDK's WSClient speaks the protocol (subscribe, heartbeat, callbacks, acks);
// this file turns callbacks into IncomingMessage for the pipeline, answers with one finished `stream`, pushes notices
// with aibot_send_msg, and owns reconnecting. The SDK's own reconnect is switched off (both attempt limits 0) because
// it gives up after 10 drops or 5 refused logins, restarts at 1 s after every successful login (a tight loop if WeCom
// drops us right after), and does not wait longer on 45009. Each attempt gets a fresh WSClient, so no state leaks.
import {
  type BaseMessage,
  generateReqId,
  type MixedMessage,
  type Logger as SdkLogger,
  type TextMessage,
  WSClient,
  type WsFrame,
} from "@wecom/aibot-node-sdk";
import type { Logger } from "pino";
import { log as appLog } from "../app/log.ts";
import { fitOneMessage, ONLY_TEXT_ANSWER } from "./callback.ts";
import { STREAM_MAX_BYTES, splitToFit } from "./limits.ts";
import { type IncomingMessage, isWecomId, type Notice, type PushChannel } from "./message.ts";
import { FAILURE_ANSWER, type Pipeline } from "./pipeline.ts";

/** WeCom's "too many connections" errcode at authentication. */
const RATE_LIMITED = 45009;

export interface BackoffOptions {
  /** Wait after the first failed (or short-lived) connection; doubles with each further one. Default 1000 ms. */
  baseMs: number;
  /** Longest wait between attempts. Default 60 000 ms. */
  maxMs: number;
  /** Shortest wait after WeCom refused the login with 45009. Undocumented for the long connection; default 60 000 ms. */
  rateLimitedMs: number;
  /** Wait after a newer connection of the same bot displaced this one (WeCom keeps one). Default 600 000 ms. */
  displacedMs: number;
  /** A connection that lasted this long was healthy: the next wait starts again from baseMs. Default 30 000 ms. */
  stableMs: number;
}

/** What happened to one callback: for metrics and for tests that must know a message was dealt with. */
export interface HandledMessage {
  reqId: string;
  msgid: string | null;
  /** answered (by the commands), duplicate (said nothing), not-text (the text-only hint), invalid (no msgid/userid). */
  outcome: "answered" | "duplicate" | "not-text" | "invalid";
  /** Whether WeCom acknowledged a reply with errcode 0 (false when none was sent). */
  delivered: boolean;
}

export interface LongConnectionOptions {
  /** WECOM_BOT_ID. */
  botId: string;
  /** WECOM_BOT_SECRET; never logged. */
  secret: string;
  /** WECOM_WS_URL, e.g. wss://openws.work.weixin.qq.com. */
  wsUrl: string;
  pipeline: Pipeline;
  log?: Logger;
  backoff?: Partial<BackoffOptions>;
  /** Application-level ping interval; default 30 000 ms (the SDK's and WeCom's). */
  heartbeatIntervalMs?: number;
  /** Gives up on an attempt that is not authenticated by then (handshake included); default 10 000 ms. */
  authTimeoutMs?: number;
  /** aibot_send_msg markdown limit, not documented; default 20480 bytes, the smart bot's markdown limit. */
  pushMaxBytes?: number;
  /** How long stop() waits for messages being answered; default 5000 ms. */
  stopGraceMs?: number;
  onHandled?: (event: HandledMessage) => void;
}

export interface LongConnection extends PushChannel {
  /** Authenticated and the socket open. */
  isConnected(): boolean;
  /** Stops reconnecting, lets answers in progress finish (up to stopGraceMs), then closes. */
  stop(): Promise<void>;
}

/** A notice that did not go out; errcode is WeCom's when it refused, null when it never got that far. */
export class LongConnectionPushError extends Error {
  constructor(
    message: string,
    readonly errcode: number | null,
    readonly errmsg: string | null = null,
    /** Pieces of this notice WeCom accepted before the failure (a long notice goes out in several). */
    readonly sentPieces = 0,
  ) {
    super(message);
    this.name = "LongConnectionPushError";
  }
}

const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: 1000,
  maxMs: 60_000,
  rateLimitedMs: 60_000,
  displacedMs: 600_000,
  stableMs: 30_000,
};

/** The SDK reports a refused login only as this Error text ("Authentication failed: <errmsg> (code: <errcode>)"). */
function authErrcode(error: unknown): number | null {
  if (!(error instanceof Error) || !error.message.startsWith("Authentication failed")) return null;
  const code = /\(code: (-?\d+)\)\s*$/.exec(error.message)?.[1];
  return code === undefined ? -1 : Number(code);
}

/** The SDK rejects with the acknowledgement frame itself when errcode ≠ 0, and with an Error otherwise. */
function ackError(error: unknown): { errcode: number | null; errmsg: string } {
  if (typeof error === "object" && error !== null && typeof (error as WsFrame).errcode === "number") {
    const frame = error as WsFrame;
    return { errcode: frame.errcode ?? null, errmsg: frame.errmsg ?? "" };
  }
  return { errcode: null, errmsg: error instanceof Error ? error.message : String(error) };
}

/** text → its content; mixed → its text parts; anything else → null (not text). */
function textOf(body: BaseMessage): string | null {
  if (body.msgtype === "text") {
    const content = (body as TextMessage).text?.content;
    return typeof content === "string" ? content : null;
  }
  if (body.msgtype === "mixed") {
    // Frames are untrusted JSON: msg_item may be anything, its items null.
    const items: unknown = (body as MixedMessage).mixed?.msg_item;
    const parts = (Array.isArray(items) ? (items as Array<MixedMessage["mixed"]["msg_item"][number] | null>) : [])
      .filter((item) => item?.msgtype === "text" && typeof item.text?.content === "string")
      .map((item) => item?.text?.content ?? "");
    return parts.length ? parts.join("\n") : null;
  }
  return null;
}

/**
 * Connects and keeps connecting. Resolves once the first attempt is authenticated or has failed (it then retries in
 * the background: check isConnected()); rejects only for missing credentials or an address that is not ws(s)://.
 */
export async function startLongConnection(options: LongConnectionOptions): Promise<LongConnection> {
  const { botId, secret, wsUrl, pipeline } = options;
  if (!botId || !secret) throw new Error("WECOM_BOT_ID 和 WECOM_BOT_SECRET 都不能为空");
  if (!/^wss?:\/\/[^/\s]+/.test(wsUrl)) throw new Error(`WECOM_WS_URL 应为 ws:// 或 wss:// 地址，收到：${wsUrl}`);
  const log = (options.log ?? appLog).child({ transport: "long-connection", botId });
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const authTimeoutMs = options.authTimeoutMs ?? 10_000;
  const pushMaxBytes = options.pushMaxBytes ?? STREAM_MAX_BYTES;

  // The SDK logs its own chatter (info) at debug; the secret is blanked in anything it says, just in case.
  const clean = (message: string, args: unknown[]) =>
    [message, ...args.map((a) => (a instanceof Error ? a.message : String(a)))]
      .join(" ")
      .replaceAll(secret, "[redacted]");
  const sdkLog: SdkLogger = {
    debug: (m, ...a) => log.debug(clean(m, a)),
    info: (m, ...a) => log.debug(clean(m, a)),
    // Once we stop, the SDK's "connection closed" is our own doing, not a problem to report.
    warn: (m, ...a) => (stopped ? log.debug(clean(m, a)) : log.warn(clean(m, a))),
    error: (m, ...a) => log.error(clean(m, a)),
  };

  let client: WSClient | null = null;
  let authenticated = false;
  let stopped = false;
  /** Failed or short-lived attempts in a row; sets the next wait. */
  let failures = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let endAttempt: ((reason: string) => void) | null = null;
  const inFlight = new Set<Promise<void>>();
  let pushQueue: Promise<unknown> = Promise.resolve();

  function nextWait(refusedWith: number | null, displaced: boolean, lastedMs: number | null): number {
    if (displaced) return backoff.displacedMs;
    if (lastedMs !== null && lastedMs >= backoff.stableMs) failures = 0;
    failures += 1;
    let wait = Math.min(backoff.baseMs * 2 ** Math.min(failures - 1, 30), backoff.maxMs);
    if (refusedWith === RATE_LIMITED) wait = Math.max(wait, backoff.rateLimitedMs);
    return Math.round(wait * (1 + Math.random() * 0.2)); // jitter, so two processes do not retry in step
  }

  /** One connection, from connect to close; resolves once authenticated or over. */
  function attempt(): Promise<void> {
    return new Promise<void>((settle) => {
      const sdk = new WSClient({
        botId,
        secret,
        wsUrl,
        heartbeatInterval: options.heartbeatIntervalMs ?? 30_000,
        maxReconnectAttempts: 0,
        maxAuthFailureAttempts: 0,
        wsOptions: { handshakeTimeout: authTimeoutMs },
        logger: sdkLog,
      });
      client = sdk;
      let refusedWith: number | null = null;
      let displaced = false;
      let authenticatedAt: number | null = null;
      let over = false;
      const authTimer = setTimeout(() => end("not authenticated in time"), authTimeoutMs);

      function end(reason: string): void {
        if (over) return;
        over = true;
        clearTimeout(authTimer);
        sdk.removeAllListeners();
        // After a displacement the SDK has already closed the socket and will not reconnect.
        if (!displaced) sdk.disconnect();
        if (client === sdk) {
          client = null;
          authenticated = false;
        }
        endAttempt = null;
        settle();
        if (stopped) return;
        const lastedMs = authenticatedAt === null ? null : Date.now() - authenticatedAt;
        const wait = nextWait(refusedWith, displaced, lastedMs);
        const context = { reason, errcode: refusedWith, retryInMs: wait };
        if (displaced)
          log.warn(context, "a newer connection of this bot displaced this one (two processes sharing WECOM_BOT_ID?)");
        else if (refusedWith !== null) log.error(context, "WeCom refused the long-connection login");
        else log.warn(context, "long connection closed; reconnecting after a wait");
        retryTimer = setTimeout(() => {
          retryTimer = null;
          void attempt();
        }, wait);
      }
      endAttempt = end;

      sdk.on("authenticated", () => {
        clearTimeout(authTimer);
        authenticatedAt = Date.now();
        authenticated = true;
        log.info("long connection authenticated");
        settle();
      });
      sdk.on("error", (error) => {
        const code = authErrcode(error);
        if (code !== null) refusedWith = code;
        else log.debug({ err: clean(error.message, []) }, "long connection error");
      });
      sdk.on("event.disconnected_event", () => {
        displaced = true;
      });
      sdk.on("disconnected", (reason) => end(reason));
      sdk.on("message", (frame) => {
        if (stopped) return; // not taken: WeCom may deliver it again, to whoever holds the connection
        const work = handle(sdk, frame).catch((error: unknown) => log.error({ err: error }, "message handling failed"));
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      });
      sdk.connect();
    });
  }

  async function reply(sdk: WSClient, frame: WsFrame, markdown: string, msgid: string | null): Promise<boolean> {
    try {
      await sdk.replyStream(frame, generateReqId("stream"), fitOneMessage(markdown), true);
      return true;
    } catch (error) {
      log.warn({ msgid, reqId: frame.headers.req_id, ...ackError(error) }, "reply not delivered");
      return false;
    }
  }

  async function handle(sdk: WSClient, frame: WsFrame<BaseMessage>): Promise<void> {
    // Frames are untrusted JSON: any field may be missing or of another type.
    const reqId: unknown = frame.headers?.req_id;
    const body = typeof frame.body === "object" && frame.body !== null ? frame.body : null;
    const msgid = isWecomId(body?.msgid) ? body.msgid : null;
    const userid: unknown = body?.from?.userid;
    const group = body?.chattype === "group";
    const chatId: unknown = group ? body?.chatid : null;
    const done = (outcome: HandledMessage["outcome"], delivered: boolean) =>
      options.onHandled?.({ reqId: typeof reqId === "string" ? reqId : "", msgid, outcome, delivered });
    if (!isWecomId(reqId) || !body || msgid === null || !isWecomId(userid) || (group && !isWecomId(chatId))) {
      // Without a req_id there is nothing to reply to; without msgid, sender or a group's chatid, nothing to answer.
      log.warn(
        { msgtype: String(body?.msgtype).slice(0, 40) },
        "callback without req_id, msgid, sender or chatid ignored",
      );
      return done("invalid", false);
    }
    const text = textOf(body);
    if (text === null) {
      log.info({ msgid, msgtype: body.msgtype }, "non-text message answered with the text-only hint");
      return done("not-text", await reply(sdk, frame, ONLY_TEXT_ANSWER, msgid));
    }
    const message: IncomingMessage = {
      msgid,
      transport: "long-connection",
      chatType: group ? "group" : "single",
      chatId: isWecomId(chatId) ? chatId : null,
      userid,
      text,
    };
    let markdown: string | null;
    try {
      markdown = await pipeline.receive(message);
    } catch (error) {
      // Not even the dedupe could run (database down?): say sorry rather than nothing.
      log.error({ msgid, err: error }, "pipeline failed");
      markdown = FAILURE_ANSWER;
    }
    if (markdown === null) return done("duplicate", false);
    done("answered", await reply(sdk, frame, markdown, msgid));
  }

  async function sendNotice(notice: Notice): Promise<void> {
    const chatId = notice.chatId;
    if (!chatId) throw new LongConnectionPushError("长连接推送需要群的 chatid；未指定群的通知请走默认 webhook", null);
    if (notice.markdown.trim() === "") throw new LongConnectionPushError("通知内容为空，未发送", null);
    const sdk = client;
    if (!sdk || !authenticated) throw new LongConnectionPushError("企业微信长连接未连接，通知未发出", null);
    const pieces = splitToFit(notice.markdown, pushMaxBytes);
    for (const [sent, content] of pieces.entries()) {
      try {
        await sdk.sendMessage(chatId, { msgtype: "markdown", markdown: { content } });
      } catch (error) {
        const { errcode, errmsg } = ackError(error);
        const where = pieces.length > 1 ? `（第 ${sent + 1}/${pieces.length} 段）` : "";
        const why = errcode === null ? errmsg : `errcode ${errcode}：${errmsg}`;
        throw new LongConnectionPushError(`企业微信未接受推送${where}，${why}`, errcode, errmsg, sent);
      }
    }
  }

  log.info({ wsUrl }, "connecting the long connection");
  await attempt();
  return {
    isConnected: () => authenticated && client?.isConnected === true,
    push(notice) {
      // One notice at a time, so the pieces of a long one are not interleaved with another's.
      const result = pushQueue.then(() => sendNotice(notice));
      pushQueue = result.catch(() => {});
      return result;
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      let grace: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        grace = setTimeout(resolve, options.stopGraceMs ?? 5000);
      });
      await Promise.race([Promise.allSettled([...inFlight]), waited]).finally(() => clearTimeout(grace));
      endAttempt?.("stopped");
      log.info("long connection stopped");
    },
  };
}
