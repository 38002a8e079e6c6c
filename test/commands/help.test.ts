// 帮助 is generated from the command specs: each member sees what they may use, and one command's usage on request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPipeline, type Pipeline } from "../../bot/pipeline.ts";
import { answerMessage, COMMANDS } from "../../commands/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let pipeline: Pipeline;
let n = 0;
const ask = (userid: string, text: string) =>
  pipeline.receive({ msgid: `help-${++n}`, transport: "console", chatType: "single", chatId: null, userid, text });

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  pipeline = createPipeline({ db, answer: (m) => answerMessage(db, m, { today: () => "2024-03-15" }) });
  const office = await db.unit.create({ data: { name: "市政府督查室", isOffice: true } });
  const unit = await db.unit.create({ data: { name: "市发展和改革委员会", aliases: ["市发改委"] } });
  await db.person.createMany({
    data: [
      { name: "张伟", userid: "office", role: "admin", unitId: office.id },
      { name: "王芳", userid: "liaison", role: "liaison", unitId: unit.id },
    ],
  });
});
afterAll(() => database.drop());

describe("帮助", () => {
  it("lists every command for the office, and hides the office's own from a liaison", async () => {
    const forOffice = (await ask("office", "帮助")) ?? "";
    const forLiaison = (await ask("liaison", "/帮助")) ?? "";
    for (const command of COMMANDS) expect(forOffice).toContain(`**${command.name}**`);
    const officeOnly = COMMANDS.filter((c) => c.allowed && !forLiaison.includes(`**${c.name}**`)).map((c) => c.name);
    expect(officeOnly).toEqual(expect.arrayContaining(["进度", "批准", "驳回", "成员", "绑定"]));
    expect(forLiaison).toContain("**查**");
    expect(forLiaison).toContain("**签收**");
  });

  it("shows one command's usage with examples, by its name or English alias", async () => {
    const usage = await ask("liaison", "帮助 查");
    expect(usage).toContain("用法：`查 <案号>`");
    expect(usage).toMatch(/示例：\n- `@督办助手 \/查 /);
    expect(await ask("liaison", "help status")).toBe(usage);
  });

  it("tells someone who tries an office command who may use it", async () => {
    expect(await ask("liaison", "进度")).toContain("仅限领导和督办室使用");
    // Asking for its help says the same, not that it does not exist.
    expect(await ask("liaison", "帮助 进度")).toBe(await ask("liaison", "进度"));
    expect(await ask("liaison", "帮助 批准")).toContain("批准");
    expect(await ask("liaison", "帮助 批准")).not.toContain("没有「批准」这个命令");
    expect(await database.db.event.count()).toBe(0);
  });

  it("says so for a command that does not exist", async () => {
    expect(await ask("liaison", "帮助 飞行")).toBe("没有「飞行」这个命令。发送「帮助」查看全部命令。");
  });
});
