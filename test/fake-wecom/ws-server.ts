// Plays WeCom's side of the 智能机器人 long connection on 127.0.0.1: frames `{ cmd, headers: { req_id }, body }`,
// `aibot_subscribe` first, `ping`, callbacks out, replies and pushes in, one acknowledgement
// `{ headers: { req_id }, errcode, errmsg }` per frame. It is strict: whatever real WeCom would refuse gets a non-zero
// errcode (recorded in `rejections`), and like WeCom a newer authenticated connection of the same bot displaces the
// older one (`disconnected_event`, then close). Byte limits are counted here with Buffer, not with bot/limits.ts.
// WeCom does not document the errcodes of the long connection; these are its generic ones (see CODES).
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

/** `ws` ships no types here (no @types/ws); this is the little of it the fake uses. */
interface Socket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: "message", listener: (data: Buffer) => void): void;
  on(event: "close", listener: () => void): void;
}
interface Server {
  on(event: "connection", listener: (socket: Socket) => void): void;
  on(event: "listening" | "error", listener: (error?: Error) => void): void;
  address(): AddressInfo | string | null;
  close(callback?: () => void): void;
}
const { WebSocketServer } = createRequire(import.meta.url)("ws") as {
  WebSocketServer: new (options: { host: string; port: number }) => Server;
};

export const CODES = {
  /** Wrong bot_id or secret. */
  invalidCredential: 40001,
  /** A msgtype WeCom does not take on that command (e.g. `text` on aibot_send_msg). */
  invalidMessageType: 40008,
  /** Missing or malformed field, content over its byte limit, unknown req_id or cmd. */
  invalidParameter: 40058,
  /** Too many connections or messages. */
  rateLimited: 45009,
} as const;

export interface FakeOptions {
  botId?: string;
  secret?: string;
  /** stream.content limit; default 20480 bytes (wecom.md). */
  streamMaxBytes?: number;
  /** aibot_send_msg markdown.content limit; default 20480 bytes (the smart bot's markdown limit, wecom.md). */
  markdownMaxBytes?: number;
  /**
   * Keep every frame and reply for the test to inspect (default). A benchmark turns it off: it sends far too many,
   * and a heap full of them makes the fake's own garbage collection stall the latencies it measures.
   */
  record?: boolean;
}

/** `at`: performance.now() when sent or received. */
export type RecordedFrame = { at: number; connection: number; direction: "in" | "out"; frame: unknown };
export type Rejection = { connection: number; cmd: string | null; reqId: string; errcode: number; errmsg: string };
export interface ConnectionRecord {
  id: number;
  openedAt: number;
  authenticatedAt: number | null;
  /** When the fake ended it (refused, displaced, dropped) or saw it close, whichever came first. */
  closedAt: number | null;
}
export type StreamReply = { reqId: string; streamId: string; finish: boolean; content: string };
export type Push = { chatid: string; msgtype: string; content: string | null };
export interface CallbackInput {
  userid: string;
  /** A group's chatid; without it the message comes from a single chat. */
  chatid?: string;
  msgid?: string;
  /** text, mixed, image, voice, file… with its own field, e.g. `image: { url, aeskey }`. */
  msgtype: string;
  [field: string]: unknown;
}

export interface FakeLongConnection {
  url: string;
  botId: string;
  secret: string;
  frames: RecordedFrame[];
  rejections: Rejection[];
  connections: ConnectionRecord[];
  /** Accepted aibot_respond_msg stream frames, in order. */
  replies: StreamReply[];
  /** Accepted aibot_send_msg frames, in order. */
  pushes: Push[];
  /** Sends a text message to the authenticated connection; returns the callback's req_id. */
  sendText(input: { userid: string; chatid?: string; text: string; msgid?: string }): string;
  /** Sends any aibot_msg_callback; returns its req_id. */
  sendCallback(input: CallbackInput): string;
  /**
   * Sends anything as one WebSocket message to the authenticated connection, for fuzzing: `data` as is when a string,
   * else as JSON. A frame that WeCom could have sent as a callback (a non-empty string req_id) may be replied to.
   */
  sendRaw(data: unknown): void;
  /** The accepted reply frames for one callback. */
  repliesTo(reqId: string): StreamReply[];
  /** Resolves with the finished stream reply to that callback; rejects when it is refused or late. */
  waitForReply(reqId: string, timeoutMs?: number): Promise<StreamReply>;
  /** Closes every connection abruptly, as a network failure would. */
  dropConnections(): void;
  /** The next `times` subscriptions get this errcode and are closed, even with the right secret. */
  rejectNextAuth(errcode: number, times?: number): void;
  /** The next `times` aibot_send_msg get this errcode. */
  failNextPush(errcode: number, times?: number): void;
  close(): Promise<void>;
}

type Connection = { record: ConnectionRecord; socket: Socket; authenticated: boolean };
type Callback = { streamId: string | null; finished: boolean };
type Json = Record<string, unknown>;
type Refusal = [errcode: number, errmsg: string];

const bytes = (text: string) => Buffer.byteLength(text, "utf8");
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;
const nonEmpty = (value: unknown): value is string => typeof value === "string" && value !== "";

export async function startFakeLongConnection(options: FakeOptions = {}): Promise<FakeLongConnection> {
  const botId = options.botId ?? "fake-bot";
  const secret = options.secret ?? "fake-secret";
  const streamMaxBytes = options.streamMaxBytes ?? 20480;
  const markdownMaxBytes = options.markdownMaxBytes ?? 20480;
  const recording = options.record ?? true;
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve, reject) => {
    server.on("listening", () => resolve());
    server.on("error", (error) => reject(error));
  });
  const { port } = server.address() as AddressInfo;

  const frames: RecordedFrame[] = [];
  const rejections: Rejection[] = [];
  const connections: ConnectionRecord[] = [];
  const replies: StreamReply[] = [];
  const pushes: Push[] = [];
  const live = new Map<number, Connection>();
  const callbacks = new Map<string, Callback>();
  const authRefusals: number[] = [];
  const pushFailures: number[] = [];
  /** Waiters for a callback's finished reply (or its refusal). */
  const waiters = new Map<string, Array<(outcome: StreamReply | Rejection) => void>>();

  // A benchmark sends hundreds of thousands of callbacks through one fake: all but the newest 10,000 are forgotten
  // (no test replies that late) and settled waiters are dropped, so the fake's heap, and its garbage collection that
  // would stall the latencies it measures, stay small.
  function recordFrame(entry: RecordedFrame): void {
    if (recording) frames.push(entry);
  }
  function rememberCallback(reqId: string): void {
    callbacks.set(reqId, { streamId: null, finished: false });
    if (callbacks.size > 10_000) callbacks.delete(callbacks.keys().next().value as string);
  }
  function settleWaiters(reqId: string, outcome: StreamReply | Rejection): void {
    const list = waiters.get(reqId);
    waiters.delete(reqId);
    for (const settle of list ?? []) settle(outcome);
  }

  function send(connection: Connection, frame: Json): void {
    recordFrame({ at: performance.now(), connection: connection.record.id, direction: "out", frame });
    connection.socket.send(JSON.stringify(frame));
  }
  function ack(connection: Connection, reqId: string, errcode = 0, errmsg = "ok"): void {
    send(connection, { headers: { req_id: reqId }, errcode, errmsg });
  }
  function reject(connection: Connection, cmd: string | null, reqId: string, errcode: number, errmsg: string): void {
    const rejection = { connection: connection.record.id, cmd, reqId, errcode, errmsg };
    rejections.push(rejection);
    ack(connection, reqId, errcode, errmsg);
    if (cmd === "aibot_respond_msg") settleWaiters(reqId, rejection);
  }

  /** aibot_subscribe: the right bot_id and secret, unless the test queued a refusal. */
  function subscribe(connection: Connection, reqId: string, body: unknown): void {
    const queued = authRefusals.shift();
    const refusal: Refusal | null =
      queued !== undefined
        ? [queued, "refused by the test"]
        : !isObject(body) || body.bot_id !== botId || body.secret !== secret
          ? [CODES.invalidCredential, "invalid bot_id or secret"]
          : null;
    if (refusal) {
      refuseAndClose(connection, "aibot_subscribe", reqId, refusal);
      return;
    }
    connection.authenticated = true;
    connection.record.authenticatedAt = performance.now();
    ack(connection, reqId);
    // WeCom keeps one connection per bot: the newest wins and the older ones are told, then closed.
    for (const other of live.values()) {
      if (other === connection || !other.authenticated) continue;
      const event = { eventtype: "disconnected_event" };
      const body = { msgid: randomUUID(), aibotid: botId, create_time: now(), msgtype: "event", event };
      send(other, { cmd: "aibot_event_callback", headers: { req_id: randomUUID() }, body });
      other.authenticated = false;
      other.record.closedAt ??= performance.now();
      other.socket.close(1000, "displaced by a new connection");
    }
  }
  function refuseAndClose(connection: Connection, cmd: string, reqId: string, [errcode, errmsg]: Refusal): void {
    reject(connection, cmd, reqId, errcode, errmsg);
    connection.record.closedAt ??= performance.now();
    connection.socket.close(1008, errmsg);
  }

  /** aibot_respond_msg: to a callback of ours not yet finished, a `stream` within its limit (or a template card). */
  function respond(connection: Connection, reqId: string, body: unknown): void {
    const callback = callbacks.get(reqId);
    const refusal = respondRefusal(callback, body);
    if (refusal || !callback || !isObject(body)) {
      const [errcode, errmsg] = refusal ?? [CODES.invalidParameter, "invalid reply"];
      reject(connection, "aibot_respond_msg", reqId, errcode, errmsg);
      return;
    }
    const stream = isObject(body.stream) ? body.stream : null;
    if (!stream) {
      callback.finished = true; // a template card ends the reply
      ack(connection, reqId);
      return;
    }
    const reply = {
      reqId,
      streamId: String(stream.id),
      finish: stream.finish === true,
      content: String(stream.content),
    };
    callback.streamId = reply.streamId;
    callback.finished = reply.finish;
    if (recording) replies.push(reply);
    ack(connection, reqId);
    if (reply.finish) settleWaiters(reqId, reply);
  }
  function respondRefusal(callback: Callback | undefined, body: unknown): Refusal | null {
    if (!callback) return [CODES.invalidParameter, "req_id is not a callback"];
    if (callback.finished) return [CODES.invalidParameter, "reply already finished"];
    if (!isObject(body)) return [CODES.invalidParameter, "missing body"];
    if (body.msgtype === "template_card") {
      return isObject(body.template_card) ? null : [CODES.invalidParameter, "template_card missing"];
    }
    if (body.msgtype !== "stream") return [CODES.invalidMessageType, "invalid msgtype"];
    const stream = body.stream;
    if (!isObject(stream) || !nonEmpty(stream.id)) return [CODES.invalidParameter, "stream.id missing"];
    if (callback.streamId !== null && callback.streamId !== stream.id) {
      return [CODES.invalidParameter, "stream.id differs from the first reply"];
    }
    if (typeof stream.finish !== "boolean" || typeof stream.content !== "string") {
      return [CODES.invalidParameter, "stream.finish or stream.content missing"];
    }
    if (bytes(stream.content) > streamMaxBytes)
      return [CODES.invalidParameter, `stream.content over ${streamMaxBytes} bytes`];
    return null;
  }

  /** aibot_send_msg: a chatid and markdown within its limit (or a template card). */
  function sendMsg(connection: Connection, reqId: string, body: unknown): void {
    const queued = pushFailures.shift();
    const refusal = sendRefusal(body) ?? (queued === undefined ? null : ([queued, "refused by the test"] as Refusal));
    if (refusal || !isObject(body)) {
      const [errcode, errmsg] = refusal ?? [CODES.invalidParameter, "invalid body"];
      reject(connection, "aibot_send_msg", reqId, errcode, errmsg);
      return;
    }
    const content = isObject(body.markdown) ? String(body.markdown.content) : null;
    pushes.push({ chatid: String(body.chatid), msgtype: String(body.msgtype), content });
    ack(connection, reqId);
  }
  function sendRefusal(body: unknown): Refusal | null {
    if (!isObject(body) || !nonEmpty(body.chatid)) return [CODES.invalidParameter, "chatid missing"];
    if (body.msgtype === "template_card") {
      return isObject(body.template_card) ? null : [CODES.invalidParameter, "template_card missing"];
    }
    if (body.msgtype !== "markdown") return [CODES.invalidMessageType, "invalid msgtype"];
    const markdown = body.markdown;
    if (!isObject(markdown) || !nonEmpty(markdown.content)) return [CODES.invalidParameter, "markdown.content missing"];
    if (bytes(markdown.content) > markdownMaxBytes) {
      return [CODES.invalidParameter, `markdown.content over ${markdownMaxBytes} bytes`];
    }
    return null;
  }

  function receive(connection: Connection, data: Buffer): void {
    const text = data.toString("utf8");
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // recorded as the raw text; refused below
    }
    recordFrame({ at: performance.now(), connection: connection.record.id, direction: "in", frame: parsed });
    const frame: Json = isObject(parsed) ? parsed : {};
    const cmd = typeof frame.cmd === "string" ? frame.cmd : null;
    const reqId = isObject(frame.headers) && nonEmpty(frame.headers.req_id) ? frame.headers.req_id : null;
    if (cmd === null || reqId === null) {
      reject(connection, cmd, reqId ?? "", CODES.invalidParameter, cmd === null ? "no cmd" : "missing req_id");
    } else if (!connection.authenticated) {
      if (cmd === "aibot_subscribe") subscribe(connection, reqId, frame.body);
      else refuseAndClose(connection, cmd, reqId, [CODES.invalidParameter, "aibot_subscribe must come first"]);
    } else if (cmd === "ping") {
      ack(connection, reqId);
    } else if (cmd === "aibot_respond_msg") {
      respond(connection, reqId, frame.body);
    } else if (cmd === "aibot_send_msg") {
      sendMsg(connection, reqId, frame.body);
    } else {
      // Welcome and card updates answer events the fake never sends; uploads and repeated logins are not taken.
      reject(connection, cmd, reqId, CODES.invalidParameter, `cmd ${cmd} not accepted here`);
    }
  }

  server.on("connection", (socket) => {
    const record: ConnectionRecord = {
      id: connections.length + 1,
      openedAt: performance.now(),
      authenticatedAt: null,
      closedAt: null,
    };
    connections.push(record);
    const connection: Connection = { record, socket, authenticated: false };
    live.set(record.id, connection);
    socket.on("message", (data) => receive(connection, data));
    socket.on("close", () => {
      record.closedAt ??= performance.now();
      live.delete(record.id);
    });
  });

  function current(): Connection {
    const authenticated = [...live.values()].filter((c) => c.authenticated);
    const newest = authenticated.at(-1);
    if (!newest) throw new Error("fake WeCom: no authenticated long connection to deliver to");
    return newest;
  }

  function sendCallback(input: CallbackInput): string {
    const { userid, chatid, msgid, msgtype, ...content } = input;
    const connection = current();
    const reqId = randomUUID();
    const body = {
      msgid: msgid ?? randomUUID(),
      aibotid: botId,
      ...(chatid ? { chatid } : {}),
      chattype: chatid ? "group" : "single",
      from: { userid },
      create_time: now(),
      msgtype,
      ...content,
    };
    rememberCallback(reqId);
    send(connection, { cmd: "aibot_msg_callback", headers: { req_id: reqId }, body });
    return reqId;
  }

  function sendRaw(data: unknown): void {
    const connection = current();
    const frame = isObject(data) ? data : null;
    const reqId = frame && isObject(frame.headers) ? frame.headers.req_id : undefined;
    if (nonEmpty(reqId)) rememberCallback(reqId);
    const text = typeof data === "string" ? data : JSON.stringify(data);
    recordFrame({ at: performance.now(), connection: connection.record.id, direction: "out", frame: data });
    connection.socket.send(text);
  }

  return {
    url: `ws://127.0.0.1:${port}`,
    botId,
    secret,
    frames,
    rejections,
    connections,
    replies,
    pushes,
    sendText: ({ text, ...rest }) => sendCallback({ ...rest, msgtype: "text", text: { content: text } }),
    sendCallback,
    sendRaw,
    repliesTo: (reqId) => replies.filter((r) => r.reqId === reqId),
    waitForReply(reqId, timeoutMs = 5000) {
      const done = replies.find((r) => r.reqId === reqId && r.finish);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, fail) => {
        const timer = setTimeout(() => fail(new Error(`fake WeCom: no finished reply to ${reqId}`)), timeoutMs);
        const list = waiters.get(reqId) ?? [];
        list.push((outcome) => {
          clearTimeout(timer);
          if ("streamId" in outcome) resolve(outcome);
          else fail(new Error(`fake WeCom refused the reply to ${reqId}: ${outcome.errcode} ${outcome.errmsg}`));
        });
        waiters.set(reqId, list);
      });
    },
    dropConnections() {
      for (const connection of live.values()) {
        connection.record.closedAt ??= performance.now();
        connection.socket.terminate();
      }
    },
    rejectNextAuth(errcode, times = 1) {
      for (let i = 0; i < times; i++) authRefusals.push(errcode);
    },
    failNextPush(errcode, times = 1) {
      for (let i = 0; i < times; i++) pushFailures.push(errcode);
    },
    async close() {
      for (const connection of live.values()) connection.socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
