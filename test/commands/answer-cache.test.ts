// 统计, 总结 and 进度 answers are kept in the process while the record stays as it was: a change made through the
// commands shows in the very next answer, an unchanged record is not read again, and one unit's figures never
// answer another unit's question.
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "../../generated/prisma/client.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { addCase, buildUpdateFixture, talker, type UpdateFixture } from "./update-fixture.ts";

let database: TestDatabase;
let fx: UpdateFixture;
/** The app's client, telling us which queries it runs. */
function loggingClient(url: string) {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: 2 }),
    log: [{ emit: "event", level: "query" }],
  });
}
let db: ReturnType<typeof loggingClient>;
let queries: string[] = [];
let say: ReturnType<typeof talker>;
let fgwCase: string;

beforeAll(async () => {
  database = await createTestDatabase();
  db = loggingClient(database.url);
  db.$on("query", (e) => queries.push(e.query));
  fx = await buildUpdateFixture(db as never);
  fgwCase = (await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] })).number;
  await addCase(fx, { units: [{ unit: "edu", role: "LEAD", stage: "REPLIED", replyClass: "B" }] });
  say = talker(db as never);
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

/** Whether the last answer read the assignments (rather than reusing a kept answer). */
async function readsAssignments(ask: () => Promise<string>): Promise<{ answer: string; read: boolean }> {
  queries = [];
  const answer = await ask();
  return { answer, read: queries.some((q) => /FROM "public"\."Assignment"|FROM "Assignment"/.test(q)) };
}

describe("kept answers of 统计, 总结 and 进度", () => {
  it("reads the record once for a question asked twice, and again after a 答复 through the pipeline", async () => {
    const first = await readsAssignments(() => say("fgw_liaison", "统计"));
    expect(first.read).toBe(true);
    expect(first.answer).not.toContain("答复类别");

    const again = await readsAssignments(() => say("fgw_handler", "统计", "chat-fgw"));
    expect(again).toEqual({ answer: first.answer, read: false });

    expect(await say("fgw_handler", `答复 ${fgwCase} A类 李强`)).toContain("A类");
    const after = await readsAssignments(() => say("fgw_liaison", "统计"));
    expect(after.read).toBe(true);
    expect(after.answer).toContain("答复类别（按首次答复，共1件）：A类1件");
  });

  it("answers each unit with its own figures, and a leader with every unit's", async () => {
    const fgw = await say("fgw_liaison", "统计");
    const edu = await say("edu_liaison", "统计");
    expect(fgw).toContain("市发展和改革委员会");
    expect(edu).toContain("市教育局");
    expect(edu).toContain("B类1件");
    expect(edu).not.toContain("A类1件");
    const all = await say("city_leader", "统计");
    expect(all).toContain("全部单位");
    expect(all).toContain("A类1件");
    expect(all).toContain("B类1件");
  });

  it("shows a 签收 in the office's next 进度 and 总结", async () => {
    const { number } = await addCase(fx, { units: [{ unit: "housing", role: "LEAD" }] });
    // The fixture wrote the case directly, without an Event; a command's change is what the kept answers follow.
    expect(await say("zhangwei", "进度")).toMatch(/\*\*市住房和城乡建设局\*\*：交办1件，已签收0件/);
    expect(await say("housing_liaison", `签收 ${number}`)).toContain("签收");
    expect(await say("zhangwei", "进度")).toMatch(/\*\*市住房和城乡建设局\*\*：交办1件，已签收1件/);
    const summary = await readsAssignments(() => say("zhangwei", "总结 2024"));
    expect(summary.read).toBe(true);
    expect((await readsAssignments(() => say("zhangwei", "总结 2024"))).read).toBe(false);
  });
});
