// Callback URL mode end to end: a real HTTP server with the callback routes, the real pipeline and commands on a real
// PostgreSQL, and WeCom played by the encrypting client in test/fake-wecom (independent crypto, strict checks).
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttp } from "../../app/http.ts";
import { callbackRoutes, fitOneMessage, ONLY_TEXT_ANSWER } from "../../bot/callback.ts";
import { byteLength, STREAM_MAX_BYTES } from "../../bot/limits.ts";
import type { IncomingMessage } from "../../bot/message.ts";
import { createPipeline } from "../../bot/pipeline.ts";
import { answerMessage } from "../../commands/index.ts";
import type { Db } from "../../db/client.ts";
import { type CallbackClient, callbackClient, newAesKey, seal, textPayload } from "../fake-wecom/callback-client.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const TOKEN = `tok${randomBytes(6).toString("hex")}`;
const AES_KEY = newAesKey();
const SLOW_WAIT_MS = 150;
/** A member's WeCom userid: the commands answer strangers with a pointer to the office instead. */
const MEMBER = "zhangsan";
const SLOW_ANSWER_MS = 600;

/**
 * Stands in for WeCom's response_url endpoint: each URL takes one POST (a second gets errcode, as it is usable once).
 * A local server because the shared fake WeCom HTTP server did not exist yet when this test was written.
 */
interface ResponseUrlReceiver {
  responseUrl(): string;
  posts(url: string): unknown[];
  waitFor(url: string, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

async function startResponseUrlReceiver(): Promise<ResponseUrlReceiver> {
  const received = new Map<string, unknown[]>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const list = received.get(req.url ?? "");
    const ok = req.method === "POST" && list !== undefined && list.length === 0;
    list?.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(ok ? { errcode: 0, errmsg: "ok" } : { errcode: 40008, errmsg: "response_url used" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = addressOf(server);
  const posts = (url: string) => received.get(new URL(url).pathname + new URL(url).search) ?? [];
  return {
    responseUrl() {
      const path = `/cgi-bin/aibot/response?response_code=${randomBytes(8).toString("hex")}`;
      received.set(path, []);
      return `${base}${path}`;
    },
    posts,
    async waitFor(url, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const first = posts(url)[0];
        if (first !== undefined) return first;
        if (Date.now() > deadline) throw new Error("nothing was posted to the response_url");
        await sleep(20);
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let database: TestDatabase;
let db: Db;
const servers: Server[] = [];
let baseUrl: string;
let wecom: CallbackClient;
/** The same routes with a short passive wait and an answer slower than it. */
let slowWecom: CallbackClient;
let receiver: ResponseUrlReceiver;
let helpText: string;

async function serve(answer: (m: IncomingMessage) => Promise<string>, passiveWaitMs?: number): Promise<string> {
  const pipeline = createPipeline({ db, answer });
  const routes = callbackRoutes({ token: TOKEN, aesKey: AES_KEY, pipeline, passiveWaitMs, maxBodyBytes: 64 * 1024 });
  const server = await startHttp({ port: 0, host: "127.0.0.1", checks: {}, routes });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const now = () => Math.floor(Date.now() / 1000);
const msgid = () => `msg-${randomBytes(8).toString("hex")}`;
const rows = (id: string) => db.inboundMessage.count({ where: { msgid: id } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  const unit = await db.unit.create({ data: { name: "市住房城乡建设局", aliases: ["住建局"] } });
  await db.person.create({ data: { name: "张三", userid: MEMBER, role: "liaison", unitId: unit.id } });
  const answer = (m: IncomingMessage) => answerMessage(db, m);
  const slowAnswer = async (m: IncomingMessage) => {
    await sleep(SLOW_ANSWER_MS);
    return answerMessage(db, m);
  };
  baseUrl = await serve(answer);
  wecom = callbackClient({ baseUrl, token: TOKEN, aesKey: AES_KEY });
  slowWecom = callbackClient({ baseUrl: await serve(slowAnswer, SLOW_WAIT_MS), token: TOKEN, aesKey: AES_KEY });
  receiver = await startResponseUrlReceiver();
  helpText = await answerMessage(db, {
    msgid: "x",
    transport: "callback",
    chatType: "single",
    chatId: null,
    userid: MEMBER,
    text: "帮助",
  });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await receiver?.close();
  await database?.drop();
});

describe("URL verification (GET)", () => {
  it("answers the decrypted echostr as bare plaintext", async () => {
    const res = await wecom.verifyUrl();
    expect(res.status).toBe(200);
    expect(res.body).toBe(res.echo);
  });

  it("also verifies an echostr whose '+' arrived unencoded", async () => {
    const res = await wecom.verifyUrl({}, true);
    expect(res).toMatchObject({ status: 200, body: res.echo });
  });

  it("refuses a forged signature and a stale timestamp", async () => {
    expect((await wecom.verifyUrl({ token: "not-the-token" })).status).toBe(403);
    expect((await wecom.verifyUrl({ timestamp: now() - 3600 })).status).toBe(403);
  });
});

describe("messages (POST)", () => {
  it("answers 帮助 in a group with a passive stream reply listing the commands", async () => {
    const id = msgid();
    const reply = await wecom.sendText({ msgid: id, userid: MEMBER, chatid: "group-1", text: "@督办助手 帮助" });
    expect(reply).toEqual({ msgtype: "stream", stream: { id: expect.any(String), finish: true, content: helpText } });
    expect(helpText).toContain("督办助手可用命令");
    const row = await db.inboundMessage.findUniqueOrThrow({ where: { msgid: id } });
    expect(row).toMatchObject({ transport: "callback", userid: "zhangsan", chatId: "group-1" });
    expect(row.answeredAt).not.toBeNull();
  });

  it("accepts a timestamp a little old, within the window", async () => {
    const reply = await wecom.sendText({ userid: MEMBER, text: "help" }, { timestamp: now() - 200 });
    expect(reply).toMatchObject({ msgtype: "stream", stream: { content: helpText } });
  });

  it("refuses a forged signature with 403 and processes nothing", async () => {
    const id = msgid();
    const res = await wecom.sendPayload(textPayload({ msgid: id, userid: MEMBER, text: "帮助" }), { token: "forged" });
    expect(res.status).toBe(403);
    const wrongSig = await wecom.sendPayload(textPayload({ msgid: id, userid: MEMBER, text: "帮助" }), {
      signature: "0".repeat(40),
    });
    expect(wrongSig.status).toBe(403);
    expect(await rows(id)).toBe(0);
  });

  it("refuses a replayed stale timestamp and a future one, processing nothing", async () => {
    const stale = msgid();
    const future = msgid();
    expect(
      (await wecom.sendPayload(textPayload({ msgid: stale, userid: MEMBER, text: "帮助" }), { timestamp: now() - 301 }))
        .status,
    ).toBe(403);
    expect(
      (
        await wecom.sendPayload(textPayload({ msgid: future, userid: MEMBER, text: "帮助" }), {
          timestamp: now() + 301,
        })
      ).status,
    ).toBe(403);
    expect(await rows(stale)).toBe(0);
    expect(await rows(future)).toBe(0);
  });

  it("refuses garbage, bad ciphertexts and oversized bodies with 4xx, then still answers a good request", async () => {
    const before = await db.inboundMessage.count();
    const text = (id: string) => JSON.stringify(textPayload({ msgid: id, userid: MEMBER, text: "帮助" }));
    const refused = [
      ["not JSON", await wecom.sendBody("this is not json")],
      ["no encrypt", await wecom.sendBody('{"echo":"x"}')],
      ["encrypt not a string", await wecom.sendBody('{"encrypt":5}')],
      ["bad base64", await wecom.sendEncrypt("@@not*base64@@")],
      ["truncated ciphertext", await wecom.sendEncrypt(seal(AES_KEY, text(msgid())).slice(8))],
      ["wrong padding", await wecom.sendEncrypt(seal(AES_KEY, text(msgid()), { padByte: 0 }))],
      ["length field too long", await wecom.sendEncrypt(seal(AES_KEY, text(msgid()), { lengthDelta: 7 }))],
      ["length field too short", await wecom.sendEncrypt(seal(AES_KEY, text(msgid()), { lengthDelta: -3 }))],
      ["other ReceiveId", await wecom.sendEncrypt(seal(AES_KEY, text(msgid()), { receiveId: "wwcorpid" }))],
      ["decrypts to non-JSON", await wecom.sendEncrypt(seal(AES_KEY, "hello"))],
      ["wrong key", await wecom.sendEncrypt(seal(newAesKey(), text(msgid())))],
    ] as const;
    for (const [what, res] of refused) expect({ what, status: res.status }).toEqual({ what, status: 400 });

    const oversized = await wecom.sendBody(Buffer.alloc(64 * 1024 + 1, "a"));
    expect(oversized.status).toBe(413);
    // Chunked, so no Content-Length to refuse up front: the cap holds while reading.
    const chunks = async function* () {
      for (let i = 0; i < 20; i++) yield Buffer.alloc(8 * 1024, "a");
    };
    const chunked = await fetch(`${baseUrl}/wecom/callback`, {
      method: "POST",
      body: chunks() as unknown as RequestInit["body"],
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);

    expect(await db.inboundMessage.count()).toBe(before);
    expect(await wecom.sendText({ userid: MEMBER, text: "帮助" })).toMatchObject({ stream: { content: helpText } });
  });

  it("answers a duplicate delivery once: the copy gets an empty reply", async () => {
    const id = msgid();
    const replies = await Promise.all([
      wecom.sendText({ msgid: id, userid: MEMBER, text: "帮助" }),
      wecom.sendText({ msgid: id, userid: MEMBER, text: "帮助" }),
    ]);
    expect(replies.filter((r) => r === null)).toHaveLength(1);
    expect(replies.find((r) => r !== null)).toMatchObject({ stream: { content: helpText } });
    expect(await wecom.sendText({ msgid: id, userid: MEMBER, text: "帮助" })).toBeNull();
    expect(await rows(id)).toBe(1);
  });

  it("tells the sender only text is understood, and replies empty to events", async () => {
    const image = {
      msgid: msgid(),
      chattype: "single",
      from: { userid: MEMBER },
      msgtype: "image",
      image: { url: "x" },
    };
    expect(wecom.openReply(await wecom.sendPayload(image))).toEqual({
      msgtype: "stream",
      stream: { id: expect.any(String), finish: true, content: ONLY_TEXT_ANSWER },
    });
    const event = { msgid: msgid(), from: { userid: MEMBER }, msgtype: "event", event: { eventtype: "enter_chat" } };
    const res = await wecom.sendPayload(event);
    expect(res).toMatchObject({ status: 200, body: "" });
  });

  it("replies empty when the answer is slow, then posts it once to response_url as markdown", async () => {
    const id = msgid();
    const url = receiver.responseUrl();
    const started = Date.now();
    const reply = await slowWecom.sendText({
      msgid: id,
      userid: MEMBER,
      chatid: "group-2",
      text: "帮助",
      responseUrl: url,
    });
    expect(reply).toBeNull();
    expect(Date.now() - started).toBeLessThan(SLOW_ANSWER_MS);
    // WeCom delivers the same message again meanwhile: still one answer.
    expect(
      await slowWecom.sendText({ msgid: id, userid: MEMBER, chatid: "group-2", text: "帮助", responseUrl: url }),
    ).toBeNull();
    const posted = await receiver.waitFor(url);
    expect(posted).toEqual({ msgtype: "markdown", markdown: { content: helpText } });
    await sleep(SLOW_ANSWER_MS);
    expect(receiver.posts(url)).toHaveLength(1);
  });
});

function addressOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("fitOneMessage", () => {
  it("keeps an answer within 20480 bytes whole, and cuts a longer one at a line with a note", () => {
    expect(fitOneMessage(helpText)).toBe(helpText);
    const line = `- ${"办".repeat(100)}`;
    const long = Array.from({ length: 100 }, () => line).join("\n");
    const fitted = fitOneMessage(long);
    expect(byteLength(long)).toBeGreaterThan(STREAM_MAX_BYTES);
    expect(byteLength(fitted)).toBeLessThanOrEqual(STREAM_MAX_BYTES);
    expect(fitted.endsWith("……（内容过长，已截断）")).toBe(true);
    expect(
      fitted
        .split("\n")
        .filter((l) => l.startsWith("-"))
        .every((l) => l === line),
    ).toBe(true);
  });
});
