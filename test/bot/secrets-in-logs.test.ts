// Secrets never reach the operators' log. The real pieces run with known secrets — the long connection (wrong secret,
// then the right one, a dropped connection, a database that cannot be reached), callback mode (forged requests, and a
// message that fails for the same unreachable database), the webhook (5xx, dropped connections, a removed robot, an
// address where nothing listens) and the ADMIN_TOKEN guard — all logging at trace level into one capture without
// pino's redaction, and the captured lines are searched for every secret.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminGuard } from "../../app/admin-auth.ts";
import { startHttp } from "../../app/http.ts";
import { callbackRoutes } from "../../bot/callback.ts";
import { startLongConnection } from "../../bot/long-connection.ts";
import { createPipeline } from "../../bot/pipeline.ts";
import type { SlidingWindow } from "../../bot/rate-limit.ts";
import { createWebhookChannel } from "../../bot/webhook.ts";
import { answerMessage } from "../../commands/index.ts";
import { createDb, type Db } from "../../db/client.ts";
import { callbackClient, newAesKey } from "../fake-wecom/callback-client.ts";
import { startFakeWecomHttp } from "../fake-wecom/http-server.ts";
import { startFakeLongConnection } from "../fake-wecom/ws-server.ts";

const secret = (name: string) => `${name}${randomBytes(12).toString("hex")}`;
const SECRETS = {
  WECOM_BOT_SECRET: secret("botsecret"),
  wrongBotSecret: secret("wrongsecret"),
  WECOM_CALLBACK_TOKEN: secret("cbtoken"),
  WECOM_CALLBACK_AES_KEY: newAesKey(),
  webhookKey: secret("hookkey"),
  otherWebhookKey: secret("hookkey2"),
  ADMIN_TOKEN: secret("admintoken"),
  databasePassword: secret("dbpassword"),
};

const lines: string[] = [];
const log = pino({ level: "trace" }, { write: (line: string) => lines.push(line) });
/** Nothing listens on port 1: the database cannot be reached, with the password in its URL. */
let unreachableDb: Db;
const servers: Server[] = [];

beforeAll(() => {
  unreachableDb = createDb(`postgresql://casebot:${SECRETS.databasePassword}@127.0.0.1:1/casebot`, { poolSize: 1 });
});
afterAll(async () => {
  await unreachableDb?.$disconnect().catch(() => {});
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function failingPipeline() {
  return createPipeline({
    db: unreachableDb,
    answer: (m) => answerMessage(unreachableDb, m),
    onError: (error, m) => log.error({ err: error, msgid: m.msgid }, "answering a message failed"),
  });
}

async function until(probe: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("secrets in the logs", () => {
  it("long connection: a refused login, a failing database and a dropped connection log no secret", async () => {
    const wecom = await startFakeLongConnection({ botId: "bot-1", secret: SECRETS.WECOM_BOT_SECRET });
    try {
      const refused = await startLongConnection({
        botId: "bot-1",
        secret: SECRETS.wrongBotSecret,
        wsUrl: wecom.url,
        pipeline: failingPipeline(),
        log,
        backoff: { baseMs: 50, maxMs: 100 },
      });
      expect(refused.isConnected()).toBe(false);
      await refused.stop();

      const handled: string[] = [];
      const connection = await startLongConnection({
        botId: "bot-1",
        secret: SECRETS.WECOM_BOT_SECRET,
        wsUrl: wecom.url,
        pipeline: failingPipeline(),
        log,
        backoff: { baseMs: 50, maxMs: 100 },
        onHandled: (event) => handled.push(event.reqId),
      });
      const reqId = wecom.sendText({ userid: "zhangsan", text: `查 205 ${SECRETS.wrongBotSecret.slice(0, 4)}` });
      await until(() => handled.includes(reqId), "the message to be handled");
      wecom.dropConnections();
      await until(() => wecom.connections.length >= 3 && connection.isConnected(), "the reconnection");
      await connection.stop();
    } finally {
      await wecom.close();
    }
    expect(lines.join("")).toContain("WeCom refused the long-connection login"); // the flows did log
  });

  it("callback mode: forged requests and a message the database cannot take log no secret", async () => {
    const token = SECRETS.WECOM_CALLBACK_TOKEN;
    const aesKey = SECRETS.WECOM_CALLBACK_AES_KEY;
    const routes = callbackRoutes({ token, aesKey, pipeline: failingPipeline(), log });
    const server = await startHttp({
      port: 0,
      host: "127.0.0.1",
      checks: {},
      routes,
      onError: (error) => log.error({ err: error }, "http request failed"),
    });
    servers.push(server);
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const wecom = callbackClient({ baseUrl, token, aesKey });
    expect((await wecom.sendEncrypt("@@not base64@@")).status).toBe(400);
    expect((await wecom.sendPayload({ msgtype: "text" }, { token: "forged" })).status).toBe(403);
    expect((await wecom.verifyUrl({ timestamp: 1 })).status).toBe(403);
    // The database is down: the message cannot even be taken, so WeCom is told to try again later.
    const payload = { msgid: "m1", msgtype: "text", from: { userid: "zhangsan" }, text: { content: "帮助" } };
    expect((await wecom.sendPayload(payload)).status).toBe(500);
    expect(lines.join("")).toContain("WeCom callback refused");
  });

  it("webhook: server errors, dropped connections, a removed robot and a dead address log no key", async () => {
    const fake = await startFakeWecomHttp({ keys: [SECRETS.webhookKey] });
    const limiter: SlidingWindow = { acquire: async () => 0, tryAcquire: async () => 0 };
    const channel = createWebhookChannel({
      defaultWebhookUrl: fake.webhookUrl(SECRETS.webhookKey),
      webhookFor: async (chatId) =>
        chatId === "dead" ? `http://127.0.0.1:1/cgi-bin/webhook/send?key=${SECRETS.otherWebhookKey}` : undefined,
      limiter,
      backoffMs: 1,
      maxAttempts: 2,
      timeoutMs: 2000,
      onRobotRemoved: (url, chatId) => log.error({ chatId }, `robot removed (${url.length} characters)`),
      log,
    });
    // What a push worker does with a failure: log it, error and all.
    const push = (chatId: string | null) =>
      channel
        .push({ chatId, markdown: "**通知**" })
        .catch((error: unknown) => log.error({ err: error }, "push failed"));
    try {
      fake.failNext(1, { status: 502 });
      fake.failNext(1, "drop");
      await push(null);
      fake.failNext(2, { status: 503 });
      await push(null);
      await push("dead");
      fake.removeKey(SECRETS.webhookKey);
      await push(null);
      await push(null);
    } finally {
      await fake.close();
    }
    expect(lines.join("")).toContain("群机器人已失效");
  });

  it("ADMIN_TOKEN: wrong and right tokens leave no trace of the token", async () => {
    const guard = createAdminGuard(SECRETS.ADMIN_TOKEN);
    const server = await startHttp({
      port: 0,
      host: "127.0.0.1",
      checks: {},
      routes: [
        {
          method: "GET",
          path: "/admin/queues",
          handle(req, res, url) {
            if (!guard.admit(req, res, url)) return;
            throw new Error("the page failed"); // logged by the server's error handler
          },
        },
      ],
      onError: (error) => log.error({ err: error }, "http request failed"),
    });
    servers.push(server);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/queues`;
    expect((await fetch(`${base}?token=${SECRETS.ADMIN_TOKEN}x`)).status).toBe(401);
    const bearer = { authorization: `Bearer ${SECRETS.ADMIN_TOKEN}` };
    expect((await fetch(base, { headers: bearer })).status).toBe(500);
  });

  it("none of the captured lines holds any secret", () => {
    expect(lines.length).toBeGreaterThan(10);
    const captured = lines.join("");
    const found = Object.entries(SECRETS)
      .filter(([, value]) => captured.includes(value))
      .map(([name]) => name);
    expect(found).toEqual([]);
  });
});
