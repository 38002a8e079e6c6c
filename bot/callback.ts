// 智能机器人 callback URL mode at GET/POST /wecom/callback: URL verification, then encrypted messages in and
// encrypted passive `stream` replies out. Anything that fails a check gets a 4xx before it reaches the pipeline.
// WeCom gives up on a callback after 5 s and retries it (callback protocol, path 90238); an answer that is not ready
// by `passiveWaitMs` goes out later, once, to the message's response_url instead.
import { randomBytes } from "node:crypto";
import type { IncomingMessage as HttpRequest, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { z } from "zod";
import { type Route, readBody } from "../app/http.ts";
import { log as appLog } from "../app/log.ts";
import {
  CallbackCryptoError,
  decryptMessage,
  encryptReply,
  isValidAesKey,
  verifySignature,
} from "./callback-crypto.ts";
import { byteLength, STREAM_MAX_BYTES, splitToFit } from "./limits.ts";
import { type IncomingMessage, isWecomId } from "./message.ts";
import type { Pipeline } from "./pipeline.ts";

export const CALLBACK_PATH = "/wecom/callback";
export const ONLY_TEXT_ANSWER = "目前只能看懂文字命令。请 @督办助手 发送文字，例如「帮助」查看全部命令。";
const TRUNCATED_NOTE = "\n\n……（内容过长，已截断）";

export interface CallbackOptions {
  /** WECOM_CALLBACK_TOKEN. */
  token: string;
  /** WECOM_CALLBACK_AES_KEY (EncodingAESKey, 43 characters). */
  aesKey: string;
  pipeline: Pipeline;
  /** How long to wait for the answer before replying empty and using response_url; default 3000 (WeCom: 5 s). */
  passiveWaitMs?: number;
  /** Accepted clock difference either way for the URL's timestamp; default 300 s. Older or newer gets 403. */
  maxSkewSeconds?: number;
  /** Largest POST body read; default 64 KiB, larger gets 413. */
  maxBodyBytes?: number;
  /** Sends the late answer to response_url; default fetch, failing on HTTP errors and non-zero errcode. */
  postJson?: (url: string, body: unknown) => Promise<void>;
  log?: Pick<Logger, "info" | "warn" | "error">;
}

/** What a decrypted callback may carry; only the fields used here, the rest is ignored. */
const wecomId = z.string().refine(isWecomId);
const callbackBody = z.object({
  msgid: wecomId.optional(),
  msgtype: z.string().min(1),
  chattype: z.enum(["single", "group"]).optional(),
  chatid: wecomId.optional(),
  from: z.object({ userid: wecomId }).optional(),
  response_url: z.string().min(1).optional(),
  text: z.object({ content: z.string() }).optional(),
});
type CallbackBody = z.infer<typeof callbackBody>;

const envelope = z.object({ encrypt: z.string().min(1) });

/** A 4xx with a short reason; nothing has been processed when one is thrown. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Fits one message into WeCom's 20480-byte limit: stream content and response_url markdown are both single-shot. */
export function fitOneMessage(markdown: string): string {
  if (byteLength(markdown) <= STREAM_MAX_BYTES) return markdown;
  const head = splitToFit(markdown, STREAM_MAX_BYTES - byteLength(TRUNCATED_NOTE))[0] ?? "";
  return head + TRUNCATED_NOTE;
}

async function defaultPostJson(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
  // WeCom reports failures as HTTP 200 with a non-zero errcode.
  const parsed = text ? (JSON.parse(text) as { errcode?: number; errmsg?: string }) : {};
  if (parsed.errcode !== undefined && parsed.errcode !== 0) {
    throw new Error(`response_url errcode ${parsed.errcode}: ${parsed.errmsg ?? ""}`);
  }
}

async function readText(req: HttpRequest, maxBytes: number): Promise<string> {
  const body = await readBody(req, maxBytes);
  if (body === null) throw new Refused(413, "body too large");
  return body.toString("utf8");
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function toMessage(body: CallbackBody): IncomingMessage {
  if (!body.msgid || !body.from || !body.text) throw new Refused(400, "text message without msgid, from or text");
  const group = body.chattype === "group";
  if (group && !body.chatid) throw new Refused(400, "group message without chatid");
  return {
    msgid: body.msgid,
    transport: "callback",
    chatType: group ? "group" : "single",
    chatId: group ? (body.chatid ?? null) : null,
    userid: body.from.userid,
    text: body.text.content,
  };
}

export function callbackRoutes(options: CallbackOptions): Route[] {
  if (!isValidAesKey(options.aesKey)) throw new Error("WECOM_CALLBACK_AES_KEY 应为 43 位 EncodingAESKey");
  if (!options.token) throw new Error("WECOM_CALLBACK_TOKEN 不能为空");
  const { token, aesKey, pipeline } = options;
  const passiveWaitMs = options.passiveWaitMs ?? 3000;
  const maxSkewSeconds = options.maxSkewSeconds ?? 300;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const postJson = options.postJson ?? defaultPostJson;
  const log = options.log ?? appLog;

  /** The URL's signature parameters, with the timestamp checked for freshness. */
  function urlParams(url: URL): { signature: string; timestamp: string; nonce: string } {
    const signature = url.searchParams.get("msg_signature");
    const timestamp = url.searchParams.get("timestamp");
    const nonce = url.searchParams.get("nonce");
    if (!signature || !timestamp || !nonce) throw new Refused(400, "missing msg_signature, timestamp or nonce");
    if (!/^\d{1,12}$/.test(timestamp)) throw new Refused(400, "timestamp is not a number");
    const skew = Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp));
    if (skew > maxSkewSeconds) throw new Refused(403, "timestamp outside the accepted window");
    return { signature, timestamp, nonce };
  }

  function open(url: URL, encrypted: string): string {
    const { signature, timestamp, nonce } = urlParams(url);
    if (!verifySignature(token, timestamp, nonce, encrypted, signature)) throw new Refused(403, "bad signature");
    try {
      return decryptMessage(aesKey, encrypted);
    } catch (error) {
      if (error instanceof CallbackCryptoError) throw new Refused(400, error.reason);
      throw error;
    }
  }

  function replyStream(res: ServerResponse, url: URL, markdown: string): void {
    const nonce = url.searchParams.get("nonce") ?? "";
    const plaintext = JSON.stringify({
      msgtype: "stream",
      stream: { id: randomBytes(8).toString("hex"), finish: true, content: fitOneMessage(markdown) },
    });
    const reply = encryptReply(token, aesKey, plaintext, Math.floor(Date.now() / 1000), nonce);
    send(res, 200, JSON.stringify(reply), "application/json");
  }

  /** Waits for the answer up to passiveWaitMs; after that, the answer goes to response_url when it comes. */
  async function answerInTime(message: IncomingMessage, responseUrl: string | undefined): Promise<string | null> {
    const answer = pipeline.receive(message);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), passiveWaitMs);
    });
    const first = await Promise.race([answer, late]).finally(() => clearTimeout(timer));
    if (first !== "late") return first;
    const context = { msgid: message.msgid, userid: message.userid };
    log.info(context, "answer not ready in time for the passive reply; it will go to response_url");
    answer
      .then(async (markdown) => {
        if (markdown === null) return;
        if (!responseUrl) {
          log.warn(context, "late answer dropped: the message had no response_url");
          return;
        }
        await postJson(responseUrl, { msgtype: "markdown", markdown: { content: fitOneMessage(markdown) } });
      })
      .catch((error: unknown) => log.error({ ...context, err: error }, "late answer via response_url failed"));
    return null;
  }

  async function handlePost(req: HttpRequest, res: ServerResponse, url: URL): Promise<void> {
    const raw = await readText(req, maxBodyBytes);
    let parsedEnvelope: unknown;
    try {
      parsedEnvelope = JSON.parse(raw);
    } catch {
      throw new Refused(400, "body is not JSON");
    }
    const outer = envelope.safeParse(parsedEnvelope);
    if (!outer.success) throw new Refused(400, "body has no encrypt");
    const plaintext = open(url, outer.data.encrypt);
    let decoded: unknown;
    try {
      decoded = JSON.parse(plaintext);
    } catch {
      throw new Refused(400, "decrypted message is not JSON");
    }
    const inner = callbackBody.safeParse(decoded);
    if (!inner.success) throw new Refused(400, "decrypted message has an unexpected shape");
    const body = inner.data;
    if (body.msgtype !== "text") {
      // Events (enter_chat, …) and stream refreshes need nothing from us; other messages get a pointer to text.
      if (body.msgtype === "event" || body.msgtype === "stream" || !body.msgid) {
        send(res, 200, "");
      } else {
        log.info({ msgid: body.msgid, msgtype: body.msgtype }, "non-text message answered with the text-only hint");
        replyStream(res, url, ONLY_TEXT_ANSWER);
      }
      return;
    }
    const markdown = await answerInTime(toMessage(body), body.response_url);
    // null: a duplicate delivery, or an answer that will go to response_url; WeCom accepts an empty reply.
    if (markdown === null) send(res, 200, "");
    else replyStream(res, url, markdown);
  }

  function handleGet(res: ServerResponse, url: URL): void {
    // URLSearchParams has already URL-decoded echostr; a "+" sent unencoded would have become a space, and base64
    // never contains spaces, so put it back.
    const echostr = url.searchParams.get("echostr")?.replaceAll(" ", "+");
    if (!echostr) throw new Refused(400, "missing echostr");
    send(res, 200, open(url, echostr));
  }

  /** Turns a Refused into its 4xx; anything else is a bug and goes on to app/http.ts (500, logged). */
  function guarded(
    handler: (req: HttpRequest, res: ServerResponse, url: URL) => void | Promise<void>,
  ): Route["handle"] {
    return async (req, res, url) => {
      try {
        await handler(req, res, url);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        log.warn({ method: req.method, status: error.status, reason: error.reason }, "WeCom callback refused");
        if (error.status === 413) res.setHeader("connection", "close"); // stop reading the rest of the body
        send(res, error.status, error.reason);
      }
    };
  }

  return [
    { method: "GET", path: CALLBACK_PATH, handle: guarded((_req, res, url) => handleGet(res, url)) },
    { method: "POST", path: CALLBACK_PATH, handle: guarded(handlePost) },
  ];
}
