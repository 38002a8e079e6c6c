// Regression tests for what the fuzz tests (test/fuzz/) found or guard: typed Markdown repeated back by a command
// stays inert (no forged mention or link), stored notes are shown inert, NUL and half emoji in a message get a clear
// answer, and frames or callbacks with unusable ids are refused without reaching the database.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttp } from "../../app/http.ts";
import { callbackRoutes } from "../../bot/callback.ts";
import { type HandledMessage, startLongConnection } from "../../bot/long-connection.ts";
import { cleanText, isWecomId } from "../../bot/message.ts";
import { createPipeline, FAILURE_ANSWER } from "../../bot/pipeline.ts";
import { answerMessage } from "../../commands/index.ts";
import { addCase, buildUpdateFixture, TODAY } from "../commands/update-fixture.ts";
import { callbackClient, newAesKey, textPayload } from "../fake-wecom/callback-client.ts";
import { startFakeLongConnection } from "../fake-wecom/ws-server.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let caseNumber: string;
beforeAll(async () => {
  database = await createTestDatabase();
  const fx = await buildUpdateFixture(database.db);
  caseNumber = (await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] })).number;
});
afterAll(async () => {
  await database?.drop();
});

let counter = 0;
function talk(userid: string, text: string, chatId: string | null = "chat-fgw") {
  const db = database.db;
  const errors: unknown[] = [];
  const pipeline = createPipeline({
    db,
    answer: (m) => answerMessage(db, m, { today: () => TODAY }),
    onError: (e) => errors.push(e),
  });
  const chatType = chatId ? "group" : "single";
  return pipeline
    .receive({ msgid: `hostile-${++counter}`, transport: "long-connection", chatType, chatId, userid, text })
    .then((answer) => ({ answer: answer ?? "", errors }));
}

describe("typed Markdown stays inert in answers", () => {
  it.each([
    ["an unknown command that is a mention", "<@fgw_leader> 快办"],
    ["help for a command written as a link", "帮助 [签收](http://evil.example/)"],
    ["a case reference that is a mention", "签收 <@all>"],
    ["a unit name in bold with a font tag", '单位 **<font color="warning">市发改委</font>**'],
  ])("%s", async (_what, text) => {
    const { answer } = await talk("fgw_liaison", text);
    expect(answer).not.toContain("<@");
    expect(answer).not.toMatch(/\]\(|<font|\*\*市/);
  });

  it("a note with a mention and a link is stored and shown as typed, but inert", async () => {
    const note = "<@zhangwei> 请看 [这里](http://evil.example/)";
    const { answer: logged } = await talk("fgw_liaison", `沟通 ${caseNumber} 电话 办前 ${note}`);
    expect(logged).not.toContain("<@");
    const stored = await database.db.contactLog.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(stored.note).toBe("＜@zhangwei＞ 请看 ［这里］(http://evil.example/)");
    const { answer: shown } = await talk("zhangwei", `查 ${caseNumber}`, "chat-office");
    expect(shown).not.toContain("<@");
    expect(shown).not.toContain("](");
  });
});

describe("control characters and half emoji", () => {
  it("get a clear answer instead of a database error (PostgreSQL refuses NUL in text)", async () => {
    const { answer, errors } = await talk("fgw_liaison", `沟通 ${caseNumber} 面商 办中 当面\u0000沟通\ud800`);
    expect(errors).toEqual([]);
    expect(answer).not.toBe(FAILURE_ANSWER);
    const stored = await database.db.contactLog.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(stored.note).toBe("当面沟通\ufffd");
  });

  it("cleanText drops control characters but keeps line breaks, tabs and whole emoji", () => {
    expect(cleanText("a\u0000b\u0007\nc\td\u007f😀\udc00")).toBe("ab\nc\td😀\ufffd");
  });

  it("isWecomId takes printable ASCII ids only", () => {
    expect(["zhangsan", "wrXyz-1_2.3@corp", "a".repeat(256)].every(isWecomId)).toBe(true);
    expect(["", " ", "zhang san", "张三", "id\u0000", "a".repeat(257), 5, null].some(isWecomId)).toBe(false);
  });
});

describe("unusable ids are refused at the transports", () => {
  it("long connection: no req_id, a group without chatid, a mixed message whose items are not a list", async () => {
    const wecom = await startFakeLongConnection({ botId: "bot-1", secret: "s3cret-hostile" });
    const handled: HandledMessage[] = [];
    const db = database.db;
    const connection = await startLongConnection({
      botId: wecom.botId,
      secret: wecom.secret,
      wsUrl: wecom.url,
      pipeline: createPipeline({ db, answer: (m) => answerMessage(db, m, { today: () => TODAY }) }),
      log: pino({ level: "silent" }),
      onHandled: (event) => handled.push(event),
    });
    try {
      const body = (msgid: string) => ({ msgid, chattype: "single", from: { userid: "fgw_liaison" }, msgtype: "text" });
      wecom.sendRaw({ cmd: "aibot_msg_callback", body: { ...body("no-req-id"), text: { content: "帮助" } } });
      wecom.sendRaw({
        cmd: "aibot_msg_callback",
        headers: { req_id: "r-group" },
        body: { ...body("no-chatid"), chattype: "group", text: { content: "帮助" } },
      });
      wecom.sendRaw({
        cmd: "aibot_msg_callback",
        headers: { req_id: "r-mixed" },
        body: { ...body("bad-mixed"), msgtype: "mixed", mixed: { msg_item: "not a list" } },
      });
      const deadline = Date.now() + 10_000;
      while (handled.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(handled.map(({ msgid, outcome }) => ({ msgid, outcome }))).toEqual(
        expect.arrayContaining([
          { msgid: "no-req-id", outcome: "invalid" },
          { msgid: "no-chatid", outcome: "invalid" },
          { msgid: "bad-mixed", outcome: "not-text" },
        ]),
      );
      expect(await db.inboundMessage.count({ where: { msgid: { in: ["no-req-id", "no-chatid"] } } })).toBe(0);
      expect(wecom.rejections).toEqual([]);
    } finally {
      await connection.stop();
      await wecom.close();
    }
  });

  it("callback mode: a msgid with NUL or a userid with a space is a 400, not a database error", async () => {
    const token = "hostile-token";
    const aesKey = newAesKey();
    const db = database.db;
    const errors: unknown[] = [];
    const pipeline = createPipeline({ db, answer: (m) => answerMessage(db, m, { today: () => TODAY }) });
    const log = { info() {}, warn() {}, error() {} };
    const server = await startHttp({
      port: 0,
      host: "127.0.0.1",
      checks: {},
      routes: callbackRoutes({ token, aesKey, pipeline, log }),
      onError: (error) => errors.push(error),
    });
    try {
      const address = server.address() as { port: number };
      const wecom = callbackClient({ baseUrl: `http://127.0.0.1:${address.port}`, token, aesKey });
      const nul = await wecom.sendPayload(textPayload({ msgid: "id\u0000x", userid: "fgw_liaison", text: "帮助" }));
      const spaced = await wecom.sendPayload(textPayload({ userid: "fgw liaison", text: "帮助" }));
      expect([nul.status, spaced.status]).toEqual([400, 400]);
      expect(errors).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
