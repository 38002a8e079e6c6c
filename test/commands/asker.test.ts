// Who is asking: the messages that arrive together are looked up in one statement, and each must still get its own
// member, unit and group — a mix-up here would answer one unit's question with another unit's cases.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findAsker } from "../../commands/asker.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
const UNITS = 12;

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  for (let i = 1; i <= UNITS; i++) {
    const unit = await db.unit.create({ data: { name: `市第${i}局` } });
    await db.person.create({ data: { name: `联络员${i}`, userid: `liaison_${i}`, role: "liaison", unitId: unit.id } });
    await db.groupChat.create({ data: { chatId: `chat_${i}`, unitId: unit.id } });
  }
  await db.person.create({ data: { name: "离任者", userid: "gone", role: "liaison", active: false } });
});
afterAll(() => database.drop());

describe("findAsker", () => {
  it("gives each of many simultaneous askers their own member, unit and group", async () => {
    const questions = Array.from({ length: 60 }, (_, k) => {
      const who = 1 + ((k * 5) % UNITS);
      const where = 1 + ((k * 7) % UNITS);
      return { userid: `liaison_${who}`, chatId: k % 3 === 0 ? null : `chat_${where}`, who, where };
    });
    const askers = await Promise.all(questions.map((q) => findAsker(database.db, q.userid, q.chatId)));
    askers.forEach((asker, k) => {
      const q = questions[k];
      expect(asker.member?.userid).toBe(q?.userid);
      expect(asker.member?.unit?.name).toBe(`市第${q?.who}局`);
      expect(asker.member?.createdAt).toBeInstanceOf(Date);
      expect(asker.chat?.chatId ?? null).toBe(q?.chatId);
    });
  });

  it("finds nobody for an unknown or inactive userid, and no group for an unbound chat, among others found", async () => {
    const [stranger, gone, known] = await Promise.all([
      findAsker(database.db, "nobody", "chat_nowhere"),
      findAsker(database.db, "gone", null),
      findAsker(database.db, "liaison_3", "chat_3"),
    ]);
    expect(stranger).toEqual({ member: null, chat: null });
    expect(gone.member).toBeNull();
    expect(known.member?.unit?.name).toBe("市第3局");
    expect(known.chat?.chatId).toBe("chat_3");
  });
});
