// The webhook channel against the strict fake WeCom on loopback, with real Redis for the shared rate window and one
// fake clock shared by the limiter, the channel and the fake (so a minute of waiting costs no real time).
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { byteLength } from "../../bot/limits.ts";
import { createSlidingWindow } from "../../bot/rate-limit.ts";
import {
  createWebhookChannel,
  maskWebhookUrl,
  PushError,
  WEBHOOK_LIMIT,
  WEBHOOK_WINDOW_MS,
  type WebhookChannelOptions,
} from "../../bot/webhook.ts";
import { type FakeWecomHttp, type RecordedRequest, startFakeWecomHttp } from "../fake-wecom/http-server.ts";
import { createFakeClock, driveUntilSettled, type FakeClock } from "../support/clock.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";

let redis: TestRedis;
let otherProcess: Redis;
beforeAll(async () => {
  redis = await createTestRedis();
  otherProcess = new Redis(redis.url);
});
afterAll(async () => {
  otherProcess.disconnect();
  await redis.cleanup();
});

const servers: FakeWecomHttp[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Setup {
  clock: FakeClock;
  wecom: FakeWecomHttp;
  key: string;
  url: string;
  logs: string[];
  removed: Array<[string, string | null]>;
  channel(overrides?: Partial<WebhookChannelOptions> & { redis?: Redis }): ReturnType<typeof createWebhookChannel>;
}

/** A fresh robot key, window prefix, fake clock and fake WeCom per test. */
async function setup(): Promise<Setup> {
  const clock = createFakeClock(0);
  const key = randomUUID();
  const wecom = await startFakeWecomHttp({ clock, keys: [key] });
  servers.push(wecom);
  const prefix = `${redis.prefix}:${randomUUID().slice(0, 8)}`;
  const logs: string[] = [];
  const removed: Array<[string, string | null]> = [];
  const url = wecom.webhookUrl(key);
  return {
    clock,
    wecom,
    key,
    url,
    logs,
    removed,
    channel: (overrides = {}) =>
      createWebhookChannel({
        defaultWebhookUrl: url,
        webhookFor: async () => undefined,
        limiter: createSlidingWindow({
          redis: overrides.redis ?? redis.redis,
          prefix,
          limit: WEBHOOK_LIMIT,
          windowMs: WEBHOOK_WINDOW_MS,
          clock,
        }),
        clock,
        backoffMs: 1000,
        onRobotRemoved: (u, chatId) => void removed.push([u, chatId]),
        log: pino({ level: "debug" }, { write: (line: string) => void logs.push(line) }),
        ...overrides,
      }),
  };
}

const content = (r: RecordedRequest) => (r.body as { markdown: { content: string } }).markdown.content;
const sendRequests = (wecom: FakeWecomHttp) => wecom.requests().filter((r) => r.endpoint === "send");

/** Most accepted sends of `key` within any window of `ms` (each span ending at a send). */
function busiestSpan(sent: RecordedRequest[], ms: number): number {
  return Math.max(...sent.map((r) => sent.filter((s) => s.at > r.at - ms && s.at <= r.at).length));
}

describe("webhook push", () => {
  it("sends 30 notices pushed at once as 20 in the first minute and 10 after, without a single 45009", async () => {
    const { clock, wecom, key, channel } = await setup();
    const push = channel();
    const texts = Array.from({ length: 30 }, (_, i) => `**催办提醒 ${i}**\n请 <@user${i}> 尽快签收`);
    const results = await driveUntilSettled(
      clock,
      texts.map((markdown) => push.push({ chatId: null, markdown })),
    );

    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    const sent = wecom.sent(key);
    expect(sent.filter((r) => r.at < 60_000)).toHaveLength(20);
    expect(sent.filter((r) => r.at >= 60_000)).toHaveLength(10);
    expect(wecom.rejected()).toEqual([]);
    // Every notice arrived exactly once.
    expect(sent.map(content).sort()).toEqual([...texts].sort());
  });

  it("keeps two processes sharing the Redis window to 20 per robot in any 60 s", async () => {
    const { clock, wecom, key, channel } = await setup();
    const first = channel();
    const second = channel({ redis: otherProcess });
    // Bursts from both processes at staggered times.
    const plan: Array<[ReturnType<typeof channel>, number, number]> = [
      [first, 0, 12],
      [second, 0, 5],
      [second, 30_000, 12],
      [first, 45_000, 10],
      [second, 100_000, 8],
    ];
    const texts: string[] = [];
    const tasks = plan.flatMap(([push, at, count]) =>
      Array.from({ length: count }, (_, i) => {
        const markdown = `t=${at} #${i} ${push === first ? "甲" : "乙"}`;
        texts.push(markdown);
        return (async () => {
          await clock.sleep(at);
          await push.push({ chatId: null, markdown });
        })();
      }),
    );
    const results = await driveUntilSettled(clock, tasks);

    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    const sent = wecom.sent(key);
    expect(wecom.rejected()).toEqual([]);
    expect(busiestSpan(sent, 60_000)).toBe(20);
    expect(sent.map(content).sort()).toEqual(texts.sort());
  });

  it("sends a 9,000-byte notice as ordered pieces of at most 4096 bytes that add up to the original", async () => {
    const { clock, wecom, key, channel } = await setup();
    const lines = ["# 逾期未答复建议清单"];
    for (let i = 1; byteLength(lines.join("\n")) < 9000; i++) {
      lines.push(`- 第${i}号 关于完善社区养老服务设施的建议，主办 <@unit_liaison_${i}>，已逾期${i % 9}天`);
    }
    const markdown = lines.join("\n");
    await driveUntilSettled(clock, [channel().push({ chatId: null, markdown })]);

    const pieces = wecom.sent(key).map(content);
    expect(pieces.length).toBe(3);
    for (const piece of pieces) expect(byteLength(piece)).toBeLessThanOrEqual(4096);
    expect(pieces.join("\n")).toBe(markdown);
    expect(wecom.rejected()).toEqual([]);
  });

  it("rides out 5xx and dropped connections, backing off longer each time, and delivers once", async () => {
    const { clock, wecom, key, channel } = await setup();
    wecom.failNext(2, { status: 502 });
    wecom.failNext(2, "drop");
    wecom.failNext(1, { status: 503 });
    const [result] = await driveUntilSettled(clock, [channel().push({ chatId: "chat-9", markdown: "恢复后送达" })]);

    expect(result?.status).toBe("fulfilled");
    expect(wecom.sent(key).map(content)).toEqual(["恢复后送达"]);
    const times = sendRequests(wecom).map((r) => r.at);
    expect(times).toEqual([0, 1000, 3000, 7000, 15000, 31000]);
  });

  it("retries a request that times out", async () => {
    const { clock, wecom, key, channel } = await setup();
    wecom.failNext(1, "hang");
    await driveUntilSettled(clock, [channel({ timeoutMs: 200 }).push({ chatId: null, markdown: "超时后重发" })]);
    expect(wecom.sent(key).map(content)).toEqual(["超时后重发"]);
    expect(wecom.rejected().map((r) => r.answer)).toEqual(["hung"]);
  });

  it("gives up after maxAttempts with a retryable PushError", async () => {
    const { clock, wecom, channel } = await setup();
    wecom.failNext(10, { status: 500 });
    const [result] = await driveUntilSettled(clock, [
      channel({ maxAttempts: 3 }).push({ chatId: null, markdown: "x" }),
    ]);

    expect(result?.status).toBe("rejected");
    const error = (result as PromiseRejectedResult).reason as PushError;
    expect(error).toBeInstanceOf(PushError);
    expect(error.permanent).toBe(false);
    expect(error.details).toMatchObject({ status: 500, attempts: 3 });
    expect(sendRequests(wecom)).toHaveLength(3);
  });

  it("waits out a 45009 for at least a minute and then delivers once", async () => {
    const { clock, wecom, key, channel } = await setup();
    wecom.failNext(1, { errcode: 45009, errmsg: "api freq out of limit" });
    await driveUntilSettled(clock, [channel().push({ chatId: null, markdown: "限流后送达" })]);

    const sent = wecom.sent(key);
    expect(sent.map(content)).toEqual(["限流后送达"]);
    expect(sent[0]?.at).toBeGreaterThanOrEqual(60_000);
    expect(sendRequests(wecom)).toHaveLength(2);
  });

  it("stops at 93000, alerts the office once, and sends nothing more to that robot", async () => {
    const { clock, wecom, key, url, removed, channel } = await setup();
    wecom.removeKey(key);
    const push = channel({ webhookFor: async (chatId) => (chatId === "chat-7" ? url : undefined) });
    const [first] = await driveUntilSettled(clock, [push.push({ chatId: "chat-7", markdown: "机器人已被移出群" })]);
    const [second] = await driveUntilSettled(clock, [push.push({ chatId: "chat-7", markdown: "再推一次" })]);

    for (const result of [first, second]) {
      expect(result?.status).toBe("rejected");
      const error = (result as PromiseRejectedResult).reason as PushError;
      expect(error).toBeInstanceOf(PushError);
      expect(error.permanent).toBe(true);
    }
    expect(removed).toEqual([[url, "chat-7"]]);
    expect(sendRequests(wecom)).toHaveLength(1);
    expect(clock.now()).toBe(0); // no waiting either
  });

  it("treats HTTP 200 with errcode 40058 as a permanent failure, not retried", async () => {
    const { clock, wecom, channel } = await setup();
    wecom.failNext(1, { errcode: 40058, errmsg: "markdown.content exceed max length 4096" });
    const [result] = await driveUntilSettled(clock, [channel().push({ chatId: null, markdown: "内容" })]);

    const error = (result as PromiseRejectedResult).reason as PushError;
    expect(error).toBeInstanceOf(PushError);
    expect(error.permanent).toBe(true);
    expect(error.details.errcode).toBe(40058);
    expect(sendRequests(wecom)).toHaveLength(1);
  });

  it("never writes the webhook key to the logs or into errors", async () => {
    const { clock, wecom, key, url, logs, channel } = await setup();
    wecom.failNext(1, { status: 502 });
    wecom.failNext(1, { errcode: 45009 });
    wecom.failNext(1, { errcode: 40058 });
    const push = channel();
    const results = await driveUntilSettled(clock, [push.push({ chatId: null, markdown: "a" })]);
    wecom.removeKey(key);
    results.push(...(await driveUntilSettled(clock, [push.push({ chatId: null, markdown: "b" })])));

    const errors = results.map((r) => String((r as PromiseRejectedResult).reason));
    expect(logs.length).toBeGreaterThanOrEqual(4);
    const written = [...logs, ...errors].join("\n");
    expect(written).not.toContain(key);
    expect(written).toContain(maskWebhookUrl(url));
    expect(maskWebhookUrl(url)).not.toContain(key);
  });
});

describe("the sliding window", () => {
  it("frees a slot exactly one window after it was taken, and says how long to wait until then", async () => {
    const clock = createFakeClock(1_000);
    const window = createSlidingWindow({
      redis: redis.redis,
      prefix: `${redis.prefix}:sw`,
      limit: 3,
      windowMs: 1000,
      clock,
    });
    expect(await window.tryAcquire("k")).toBe(0);
    await clock.advance(400);
    expect(await window.tryAcquire("k")).toBe(0);
    expect(await window.tryAcquire("k")).toBe(0);
    expect(await window.tryAcquire("k")).toBe(600);
    await clock.advance(599);
    expect(await window.tryAcquire("k")).toBe(1);
    await clock.advance(1);
    expect(await window.tryAcquire("k")).toBe(0);
    expect(await window.tryAcquire("k")).toBe(400);
    expect(await window.tryAcquire("other")).toBe(0); // keys are separate
  });

  it("keys Redis by a hash of the webhook key, never the key itself", async () => {
    const secret = randomUUID();
    const prefix = `${redis.prefix}:hash`;
    await createSlidingWindow({ redis: redis.redis, prefix, limit: 1, windowMs: 1000 }).tryAcquire(secret);
    const stored = await redis.redis.keys(`${prefix}*`);
    expect(stored).toHaveLength(1);
    expect(stored[0]).not.toContain(secret);
    expect(await redis.redis.pttl(stored[0] ?? "")).toBeGreaterThan(0);
  });
});

describe("the fake WeCom holds to the documented webhook rules", () => {
  const post = async (url: string, body: unknown) =>
    (await (await fetch(url, { method: "POST", body: JSON.stringify(body) })).json()) as { errcode: number };

  it("refuses unknown keys, over-long content, bad types, and a 21st message in a minute", async () => {
    const { clock, wecom, url } = await setup();
    const unknown = wecom.webhookUrl("no-such-key");
    expect((await post(unknown, { msgtype: "markdown", markdown: { content: "x" } })).errcode).toBe(93000);
    expect((await post(url, { msgtype: "markdown", markdown: { content: "办".repeat(1366) } })).errcode).toBe(40058);
    expect((await post(url, { msgtype: "text", text: { content: "x".repeat(2049) } })).errcode).toBe(40058);
    expect((await post(url, { msgtype: "news", news: { articles: [] } })).errcode).toBe(40058);
    expect((await post(url, { msgtype: "sms", sms: {} })).errcode).toBe(40008);
    for (let i = 0; i < 16; i++) {
      expect((await post(url, { msgtype: "markdown", markdown: { content: `${i}` } })).errcode).toBe(0);
    }
    expect((await post(url, { msgtype: "markdown", markdown: { content: "21st" } })).errcode).toBe(45009);
    await clock.advance(60_000);
    expect((await post(url, { msgtype: "markdown", markdown: { content: "banned a minute" } })).errcode).toBe(0);
  });

  it("takes uploads of 5 B to 20 MB and sends them as files", async () => {
    const { wecom, key, url } = await setup();
    const upload = async (bytes: number) => {
      const form = new FormData();
      form.append("media", new Blob([Buffer.alloc(bytes, 1)]), "台账.xlsx");
      const res = await fetch(`${wecom.url}/cgi-bin/webhook/upload_media?key=${key}&type=file`, {
        method: "POST",
        body: form,
      });
      return (await res.json()) as { errcode: number; media_id?: string };
    };
    expect((await upload(4)).errcode).toBe(40006);
    const uploaded = await upload(1000);
    expect(uploaded.errcode).toBe(0);
    expect((await post(url, { msgtype: "file", file: { media_id: uploaded.media_id } })).errcode).toBe(0);
    expect((await post(url, { msgtype: "file", file: { media_id: "made-up" } })).errcode).toBe(40007);
  });

  it("gives one-use response URLs for markdown up to 20480 bytes", async () => {
    const { wecom } = await setup();
    const first = wecom.responseUrl();
    const reply = { msgtype: "markdown", markdown: { content: "已签收" } };
    expect((await post(first, reply)).errcode).toBe(0);
    expect((await post(first, reply)).errcode).toBe(40058);
    expect(wecom.responses(first).map((r) => r.body)).toEqual([reply]);
    const long = wecom.responseUrl();
    expect((await post(long, { msgtype: "markdown", markdown: { content: "x".repeat(20481) } })).errcode).toBe(40058);
  });
});
