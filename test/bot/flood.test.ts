// Abuse limits in the inbound pipeline: one person flooding commands is slowed (told once, politely, then not
// answered until the window frees a slot) while everyone else is answered as usual; and proposers' mobile numbers
// are masked in answers read in a group. Real pipeline, commands and PostgreSQL; time is a fake clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncomingMessage } from "../../bot/message.ts";
import { createPipeline } from "../../bot/pipeline.ts";
import { maskPhoneNumbers } from "../../bot/render.ts";
import { DEFAULT_USER_RATE_LIMIT } from "../../bot/user-rate.ts";
import { answerMessage } from "../../commands/index.ts";
import { addCase, buildUpdateFixture, TODAY } from "../commands/update-fixture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let caseNumber: string;
beforeAll(async () => {
  database = await createTestDatabase();
  const fx = await buildUpdateFixture(database.db);
  const c = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
  caseNumber = c.number;
  await database.db.case.update({
    where: { id: c.caseId },
    data: { proposers: ["刘定东（13812345678）", "王海燕 +86 139-1234-5678"] },
  });
});
afterAll(async () => {
  await database?.drop();
});

let counter = 0;
function from(userid: string, text = "帮助", chatId: string | null = null): IncomingMessage {
  const chatType = chatId ? "group" : "single";
  return { msgid: `flood-${++counter}`, transport: "long-connection", chatType, chatId, userid, text };
}

function fakeClock(start = Date.UTC(2024, 2, 15, 2, 0, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("flood control per person", () => {
  it("answers up to the limit, tells the flooder once, stays quiet after, and answers others as usual", async () => {
    const clock = fakeClock();
    const db = database.db;
    const pipeline = createPipeline({
      db,
      answer: (m) => answerMessage(db, m, { today: () => TODAY }),
      rateLimit: { perUser: 5, windowMs: 60_000 },
      now: clock.now,
    });
    for (let i = 0; i < 5; i++) {
      expect(await pipeline.receive(from("fgw_liaison"))).toContain("督办助手可用命令");
      clock.advance(1000);
    }
    const told = await pipeline.receive(from("fgw_liaison"));
    // The first of the five leaves the window 60 s after it came, 55 s from now.
    expect(told).toBe(
      "您的消息有点多，督办助手每分钟最多处理同一人的5条消息。请约55秒后再发；在此之前收到的消息不再处理，也不再逐条提示。",
    );
    for (let i = 0; i < 20; i++) expect(await pipeline.receive(from("fgw_liaison", `查 ${caseNumber}`))).toBeNull();
    // Someone else, meanwhile, in the same group and alone.
    expect(await pipeline.receive(from("edu_liaison", "帮助", "chat-fgw"))).toContain("督办助手可用命令");
    expect(await pipeline.receive(from("zhangwei"))).toContain("督办助手可用命令");
    // Every message was taken once all the same: a redelivery of a quiet one is not answered later.
    expect(await db.inboundMessage.count({ where: { userid: "fgw_liaison" } })).toBe(26);

    clock.advance(55_000); // the oldest message leaves the window
    expect(await pipeline.receive(from("fgw_liaison"))).toContain("督办助手可用命令");
    const again = await pipeline.receive(from("fgw_liaison"));
    expect(again).toContain("您的消息有点多");
    expect(await pipeline.receive(from("fgw_liaison"))).toBeNull();
  });

  it("is on by default for WeCom messages, at the documented limit, and off for the local console", async () => {
    const clock = fakeClock();
    const db = database.db;
    const pipeline = createPipeline({ db, answer: async () => "好的", now: clock.now });
    const { perUser } = DEFAULT_USER_RATE_LIMIT;
    const answers = [];
    for (let i = 0; i <= perUser; i++) answers.push(await pipeline.receive(from("housing_liaison")));
    expect(answers.slice(0, perUser).every((a) => a === "好的")).toBe(true);
    expect(answers[perUser]).toContain(`最多处理同一人的${perUser}条消息`);
    for (let i = 0; i <= perUser; i++) {
      const answer = await pipeline.receive({ ...from("housing_handler"), transport: "console" });
      expect(answer).toBe("好的");
    }
  });
});

describe("mobile numbers in answers", () => {
  it("are masked as 138****5678 in a group, and left whole in a single chat", async () => {
    const db = database.db;
    const pipeline = createPipeline({ db, answer: (m) => answerMessage(db, m, { today: () => TODAY }) });
    const inGroup = await pipeline.receive(from("fgw_liaison", `查 ${caseNumber}`, "chat-fgw"));
    expect(inGroup).toContain("刘定东（138****5678）");
    expect(inGroup).toContain("王海燕 +86 139-****-5678");
    expect(inGroup).not.toMatch(/1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)/);
    const alone = await pipeline.receive(from("fgw_liaison", `查 ${caseNumber}`));
    expect(alone).toContain("刘定东（13812345678）");
  });

  it("masks the written forms of a mobile number, and leaves mentions, dates, case numbers and long digits alone", () => {
    expect(maskPhoneNumbers("电话13812345678。")).toBe("电话138****5678。");
    expect(maskPhoneNumbers("138 1234 5678 / 138-1234-5678 / +8613812345678")).toBe(
      "138 **** 5678 / 138-****-5678 / +86138****5678",
    );
    const untouched = "<@13812345678> 2024-03-11 第0484号 213812345678 12345678901 1381234567";
    expect(maskPhoneNumbers(untouched)).toBe(untouched);
  });
});
