// The 智能机器人 long connection end to end: the official SDK inside bot/long-connection.ts talks to the fake WeCom
// WebSocket server on 127.0.0.1 (strict about frames and byte limits), and messages go through the real pipeline and
// commands on a real PostgreSQL database.
import { randomUUID } from "node:crypto";
import { WSClient } from "@wecom/aibot-node-sdk";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ONLY_TEXT_ANSWER } from "../../bot/callback.ts";
import { byteLength, STREAM_MAX_BYTES } from "../../bot/limits.ts";
import {
  type BackoffOptions,
  type HandledMessage,
  type LongConnectionOptions,
  LongConnectionPushError,
  startLongConnection,
} from "../../bot/long-connection.ts";
import { createPipeline, FAILURE_ANSWER, type Pipeline } from "../../bot/pipeline.ts";
import { answerMessage } from "../../commands/index.ts";
import { createDb, type Db } from "../../db/client.ts";
import {
  CODES,
  type FakeLongConnection,
  type RecordedFrame,
  startFakeLongConnection,
} from "../fake-wecom/ws-server.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

/** A member's userid: the commands answer strangers with a pointer to the office instead of the command list. */
const MEMBER = "zhangsan";
/** Short waits so the file stays fast; the code's defaults are seconds to minutes. */
const FAST: BackoffOptions = { baseMs: 100, maxMs: 2000, rateLimitedMs: 400, displacedMs: 60_000, stableMs: 30_000 };
const silent = pino({ level: "silent" });

let database: TestDatabase;
let secondInstance: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  secondInstance = createDb(database.url, { poolSize: 2 });
  const office = await database.db.unit.create({ data: { name: "市政府督查室", isOffice: true } });
  await database.db.person.create({ data: { name: "张三", userid: MEMBER, role: "admin", unitId: office.id } });
});
afterAll(async () => {
  await secondInstance?.$disconnect();
  await database?.drop();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(): Promise<FakeLongConnection> {
  const server = await startFakeLongConnection({ botId: "bot-1", secret: `s3cret-${randomUUID()}` });
  cleanups.push(() => server.close());
  return server;
}

function realPipeline(db: Db = database.db): Pipeline {
  return createPipeline({ db, answer: (m) => answerMessage(db, m) });
}

/** Starts a connection to the fake, stopped after the test; `handled` records what it did with each callback. */
async function connect(server: FakeLongConnection, extra: Partial<LongConnectionOptions> = {}) {
  const handled: HandledMessage[] = [];
  const connection = await startLongConnection({
    botId: server.botId,
    secret: server.secret,
    wsUrl: server.url,
    pipeline: realPipeline(),
    log: silent,
    backoff: FAST,
    onHandled: (event) => handled.push(event),
    ...extra,
  });
  cleanups.push(() => connection.stop());
  const handledOnce = (reqId: string) => until(() => handled.find((e) => e.reqId === reqId), `callback ${reqId}`);
  return { connection, handled, handledOnce };
}

async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cmdOf = (f: RecordedFrame) => (f.frame as { cmd?: string }).cmd;
const reqIdOf = (f: RecordedFrame) => (f.frame as { headers?: { req_id?: string } }).headers?.req_id;

function replyFrames(server: FakeLongConnection, reqId: string): RecordedFrame[] {
  return server.frames.filter((f) => f.direction === "in" && cmdOf(f) === "aibot_respond_msg" && reqIdOf(f) === reqId);
}

describe("answering on the long connection", () => {
  it("answers 帮助 @-mentioned in a group with one finished Markdown stream on the callback's req_id", async () => {
    const server = await fake();
    const { connection } = await connect(server);
    expect(connection.isConnected()).toBe(true);
    const msgid = randomUUID();
    const reqId = server.sendText({ userid: MEMBER, chatid: "group-1", text: "@督办助手 /帮助", msgid });
    const reply = await server.waitForReply(reqId);
    expect(reply.finish).toBe(true);
    expect(reply.content).toContain("督办助手可用命令");
    expect(reply.content).toContain("**帮助**");
    const frames = replyFrames(server, reqId);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.frame).toMatchObject({ body: { msgtype: "stream", stream: { finish: true } } });
    const row = await database.db.inboundMessage.findUniqueOrThrow({ where: { msgid } });
    expect(row).toMatchObject({ transport: "long-connection", userid: MEMBER, chatId: "group-1" });
    expect(server.rejections).toEqual([]);
  });

  it("answers in a single chat, where there is no chatid", async () => {
    const server = await fake();
    await connect(server);
    const msgid = randomUUID();
    const reply = await server.waitForReply(server.sendText({ userid: MEMBER, text: "帮助", msgid }));
    expect(reply.content).toContain("督办助手可用命令");
    expect(await database.db.inboundMessage.findUniqueOrThrow({ where: { msgid } })).toMatchObject({ chatId: null });
  });

  it("reads the text parts of a mixed message, and points image senders to text commands", async () => {
    const server = await fake();
    await connect(server);
    const mixed = server.sendCallback({
      userid: MEMBER,
      chatid: "group-1",
      msgtype: "mixed",
      mixed: {
        msg_item: [
          { msgtype: "text", text: { content: "@督办助手 帮助" } },
          { msgtype: "image", image: {} },
        ],
      },
    });
    expect((await server.waitForReply(mixed)).content).toContain("督办助手可用命令");
    const image = server.sendCallback({ userid: MEMBER, msgtype: "image", image: { url: "https://x", aeskey: "k" } });
    expect((await server.waitForReply(image)).content).toBe(ONLY_TEXT_ANSWER);
  });

  it("answers a msgid delivered twice exactly once", async () => {
    const server = await fake();
    const { handledOnce } = await connect(server);
    const msgid = randomUUID();
    const first = server.sendText({ userid: MEMBER, chatid: "group-1", text: "@督办助手 帮助", msgid });
    const second = server.sendText({ userid: MEMBER, chatid: "group-1", text: "@督办助手 帮助", msgid });
    const outcomes = [(await handledOnce(first)).outcome, (await handledOnce(second)).outcome];
    expect(outcomes.sort()).toEqual(["answered", "duplicate"]);
    expect(server.repliesTo(first).length + server.repliesTo(second).length).toBe(1);
  });

  it("answers once in total when two instances both receive the same message", async () => {
    const [serverA, serverB] = [await fake(), await fake()];
    const a = await connect(serverA);
    const b = await connect(serverB, { pipeline: realPipeline(secondInstance) });
    const msgid = randomUUID();
    const reqA = serverA.sendText({ userid: MEMBER, chatid: "group-1", text: "@督办助手 帮助", msgid });
    const reqB = serverB.sendText({ userid: MEMBER, chatid: "group-1", text: "@督办助手 帮助", msgid });
    const outcomes = [(await a.handledOnce(reqA)).outcome, (await b.handledOnce(reqB)).outcome];
    expect(outcomes.sort()).toEqual(["answered", "duplicate"]);
    expect(serverA.replies.length + serverB.replies.length).toBe(1);
  });

  it("keeps answering when the pipeline fails, and cuts an oversized answer to the stream limit", async () => {
    const server = await fake();
    const pipeline: Pipeline = {
      async receive(message) {
        if (message.text.includes("坏")) throw new Error("database unreachable");
        return "一行很长的台账内容\n".repeat(3000);
      },
    };
    await connect(server, { pipeline });
    const failed = await server.waitForReply(server.sendText({ userid: MEMBER, text: "坏" }));
    expect(failed.content).toBe(FAILURE_ANSWER);
    const long = await server.waitForReply(server.sendText({ userid: MEMBER, text: "台账" }));
    expect(byteLength(long.content)).toBeLessThanOrEqual(STREAM_MAX_BYTES);
    expect(long.content).toMatch(/一行很长的台账内容\n\n……（内容过长，已截断）$/);
    expect(server.rejections).toEqual([]);
  });
});

describe("staying connected", () => {
  it("reconnects after a drop with growing waits, not in a loop, and answers again", async () => {
    const server = await fake();
    const { connection } = await connect(server);
    await server.waitForReply(server.sendText({ userid: MEMBER, text: "帮助" }));
    server.rejectNextAuth(-1, 2); // WeCom busy: the first two logins after the drop are refused
    server.dropConnections();
    await until(() => server.connections[3]?.authenticatedAt, "the fourth connection");
    await until(() => connection.isConnected(), "isConnected");
    const reply = await server.waitForReply(server.sendText({ userid: MEMBER, text: "帮助" }));
    expect(reply.content).toContain("督办助手可用命令");
    expect(server.connections).toHaveLength(4);
    const waits = [1, 2, 3].map(
      (i) => (server.connections[i]?.openedAt ?? 0) - (server.connections[i - 1]?.closedAt ?? 0),
    );
    expect(waits[0]).toBeGreaterThanOrEqual(FAST.baseMs);
    expect(waits[1]).toBeGreaterThanOrEqual(2 * FAST.baseMs);
    expect(waits[2]).toBeGreaterThanOrEqual(4 * FAST.baseMs);
  });

  it("waits at least the 45009 back-off when WeCom refuses the login as too frequent, then connects", async () => {
    const server = await fake();
    server.rejectNextAuth(CODES.rateLimited, 2);
    const lines: string[] = [];
    const log = pino({ level: "debug" }, { write: (line: string) => lines.push(line) });
    const { connection } = await connect(server, { log });
    expect(connection.isConnected()).toBe(false);
    await until(() => connection.isConnected(), "isConnected");
    expect(server.connections).toHaveLength(3);
    for (const i of [1, 2]) {
      const wait = (server.connections[i]?.openedAt ?? 0) - (server.connections[i - 1]?.closedAt ?? 0);
      expect(wait).toBeGreaterThanOrEqual(FAST.rateLimitedMs);
    }
    expect(server.rejections.map((r) => r.errcode)).toEqual([CODES.rateLimited, CODES.rateLimited]);
    expect(lines.some((line) => line.includes("45009"))).toBe(true);
    expect(lines.join("\n")).not.toContain(server.secret);
  });

  it("stays off when a newer connection of the same bot displaces it, instead of fighting back", async () => {
    const server = await fake();
    const first = await connect(server);
    const second = await connect(server);
    await until(() => !first.connection.isConnected(), "the first connection to be displaced");
    expect(second.connection.isConnected()).toBe(true);
    await new Promise((r) => setTimeout(r, 3 * FAST.baseMs));
    expect(server.connections).toHaveLength(2);
    const reqId = server.sendText({ userid: MEMBER, text: "帮助" });
    await server.waitForReply(reqId);
    expect(await second.handledOnce(reqId)).toMatchObject({ outcome: "answered", delivered: true });
    expect(first.handled).toEqual([]);
  });

  it("pings at the configured interval and the fake acknowledges each ping", async () => {
    const server = await fake();
    const { connection } = await connect(server, { heartbeatIntervalMs: 50 });
    const pings = () => server.frames.filter((f) => f.direction === "in" && cmdOf(f) === "ping");
    await until(() => pings().length >= 3, "three pings");
    const pingIds = new Set(pings().map(reqIdOf));
    const acks = server.frames.filter((f) => f.direction === "out" && pingIds.has(reqIdOf(f)));
    expect(acks.map((f) => (f.frame as { errcode: number }).errcode)).toEqual([...pingIds].map(() => 0));
    expect(connection.isConnected()).toBe(true);
    expect(server.connections).toHaveLength(1);
  });

  it("refuses to start without a secret or with an address that is not ws:// or wss://", async () => {
    const base = { botId: "bot-1", secret: "s", wsUrl: "wss://openws.work.weixin.qq.com", pipeline: realPipeline() };
    await expect(startLongConnection({ ...base, secret: "" })).rejects.toThrow("WECOM_BOT_SECRET");
    await expect(startLongConnection({ ...base, wsUrl: "https://openws.work.weixin.qq.com" })).rejects.toThrow(
      "WECOM_WS_URL",
    );
  });
});

describe("pushing notices", () => {
  it("sends a notice as aibot_send_msg markdown to its group, long ones in order within the limit", async () => {
    const server = await fake();
    const { connection } = await connect(server);
    await connection.push({ chatId: "group-1", markdown: "**交办通知**\n<@zhangsan> 请签收第 205 号建议" });
    expect(server.pushes).toEqual([
      { chatid: "group-1", msgtype: "markdown", content: "**交办通知**\n<@zhangsan> 请签收第 205 号建议" },
    ]);
    const long = Array.from({ length: 700 }, (_, i) => `${i + 1}. <@zhangsan> 第 ${i + 1} 件建议待签收`).join("\n");
    expect(byteLength(long)).toBeGreaterThan(STREAM_MAX_BYTES);
    await connection.push({ chatId: "group-2", markdown: long });
    const pieces = server.pushes.filter((p) => p.chatid === "group-2").map((p) => p.content ?? "");
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(byteLength(piece)).toBeLessThanOrEqual(STREAM_MAX_BYTES);
    expect(pieces.join("\n")).toBe(long);
    expect(server.rejections).toEqual([]);
  });

  it("rejects with WeCom's errcode when the push is refused, and when it cannot be sent at all", async () => {
    const server = await fake();
    const { connection } = await connect(server);
    server.failNextPush(CODES.rateLimited);
    const refused = connection.push({ chatId: "group-1", markdown: "逾期提醒" });
    await expect(refused).rejects.toBeInstanceOf(LongConnectionPushError);
    await expect(refused).rejects.toMatchObject({ errcode: CODES.rateLimited, sentPieces: 0 });
    expect(server.pushes).toEqual([]);
    await expect(connection.push({ chatId: null, markdown: "逾期提醒" })).rejects.toMatchObject({ errcode: null });
    await connection.push({ chatId: "group-1", markdown: "逾期提醒" }); // still usable after a refusal
    await connection.stop();
    await expect(connection.push({ chatId: "group-1", markdown: "逾期提醒" })).rejects.toMatchObject({ errcode: null });
    expect(server.pushes).toHaveLength(1);
  });
});

describe("the fake WeCom long-connection server", () => {
  it("refuses what WeCom refuses, driven by the SDK itself", async () => {
    const server = await fake();
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const options = { botId: server.botId, wsUrl: server.url, maxReconnectAttempts: 0, maxAuthFailureAttempts: 0 };
    const intruder = new WSClient({ ...options, secret: "wrong", logger: quiet });
    intruder.connect();
    await until(() => server.connections[0]?.closedAt, "the wrong login to be closed");
    expect(server.rejections[0]).toMatchObject({ cmd: "aibot_subscribe", errcode: CODES.invalidCredential });
    intruder.disconnect();

    const sdk = new WSClient({ ...options, secret: server.secret, logger: quiet });
    const ready = new Promise<void>((resolve) => sdk.on("authenticated", () => resolve()));
    sdk.connect();
    await ready;
    cleanups.push(async () => sdk.disconnect());
    const callback = { headers: { req_id: server.sendText({ userid: MEMBER, text: "帮助" }) } };
    const invalid = { errcode: CODES.invalidParameter };
    await expect(sdk.replyStream({ headers: { req_id: "not-a-callback" } }, "s1", "好", true)).rejects.toMatchObject(
      invalid,
    );
    await expect(sdk.replyStream(callback, "s1", "字".repeat(6827), true)).rejects.toMatchObject(invalid); // 20481 B
    await expect(sdk.reply(callback, { msgtype: "markdown", markdown: { content: "好" } })).rejects.toMatchObject({
      errcode: CODES.invalidMessageType,
    });
    await sdk.replyStream(callback, "s1", `${"字".repeat(6826)}ab`, true); // exactly 20480 bytes
    await expect(sdk.replyStream(callback, "s1", "again", true)).rejects.toMatchObject(invalid);
    const tooLong = { msgtype: "markdown" as const, markdown: { content: "a".repeat(20481) } };
    await expect(sdk.sendMessage("group-1", tooLong)).rejects.toMatchObject(invalid);
    await expect(sdk.reply({ headers: { req_id: "" } }, {})).rejects.toMatchObject(invalid);
    await expect(sdk.reply({ headers: { req_id: "x_1" } }, {}, "aibot_unknown")).rejects.toMatchObject(invalid);
    expect(server.replies).toHaveLength(1);
    expect(server.pushes).toEqual([]);
  });
});
