import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncomingMessage } from "../../bot/message.ts";
import { createPipeline, FAILURE_ANSWER } from "../../bot/pipeline.ts";
import { answerMessage } from "../../commands/index.ts";
import { createDb, type Db } from "../../db/client.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let secondInstance: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  secondInstance = createDb(database.url, { poolSize: 2 });
  const office = await database.db.unit.create({ data: { name: "市政府督查室", isOffice: true } });
  await database.db.person.create({ data: { name: "张伟", userid: "zhangwei", role: "admin", unitId: office.id } });
});
afterAll(async () => {
  await secondInstance.$disconnect();
  await database.drop();
});

let counter = 0;
function message(text: string, msgid = `msg-${++counter}`): IncomingMessage {
  return { msgid, transport: "console", chatType: "group", chatId: "chat-1", userid: "zhangwei", text };
}

describe("the inbound pipeline", () => {
  it("answers 帮助 with the command list, whatever the width of the slash", async () => {
    const pipeline = createPipeline({ db: database.db, answer: (m) => answerMessage(database.db, m) });
    for (const text of ["@督办助手 /帮助", "／帮助", "帮助", "help"]) {
      const answer = await pipeline.receive(message(text));
      expect(answer).toContain("督办助手可用命令");
      expect(answer).toContain("**帮助**");
    }
  });

  it("answers an unknown command with the closest ones and a pointer to 帮助", async () => {
    const pipeline = createPipeline({ db: database.db, answer: (m) => answerMessage(database.db, m) });
    expect(await pipeline.receive(message("@督办助手 /帮主"))).toBe(
      "没有「帮主」这个命令。您是不是要找：「帮助」？发送「帮助」查看全部命令。",
    );
  });

  it("answers a message delivered twice to two instances exactly once", async () => {
    const answer = (m: IncomingMessage) => answerMessage(database.db, m);
    const first = createPipeline({ db: database.db, answer });
    const second = createPipeline({ db: secondInstance, answer });
    const delivered = message("/帮助", "dup-1");
    const answers = await Promise.all([
      first.receive(delivered),
      second.receive(delivered),
      first.receive(delivered),
      second.receive(delivered),
    ]);
    expect(answers.filter((a) => a !== null)).toHaveLength(1);
    const row = await database.db.inboundMessage.findUniqueOrThrow({ where: { msgid: "dup-1" } });
    expect(row.answeredAt).not.toBeNull();
  });

  it("tells a stranger, in one line, how to be added, and nothing else", async () => {
    const pipeline = createPipeline({ db: database.db, answer: (m) => answerMessage(database.db, m) });
    const answer = await pipeline.receive({ ...message("/帮助"), userid: "stranger" });
    expect(answer).toContain("您还不是督办助手的成员");
    expect(answer).not.toContain("可用命令");
  });

  it("gives a polite answer and reports the error when a command fails", async () => {
    const errors: unknown[] = [];
    const pipeline = createPipeline({
      db: database.db,
      answer: async () => {
        throw new Error("boom");
      },
      onError: (error) => errors.push(error),
    });
    expect(await pipeline.receive(message("/帮助"))).toBe(FAILURE_ANSWER);
    expect(errors).toHaveLength(1);
  });
});
