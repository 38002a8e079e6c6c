// The query commands through the real pipeline and a real database, on the exact fixture of queries-fixture.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byteLength, STREAM_MAX_BYTES } from "../../bot/limits.ts";
import { createPipeline, type Pipeline } from "../../bot/pipeline.ts";
import { answerMessage } from "../../commands/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { buildQueryFixture, CONGRESS, CPPCC, CPPCC_2023 } from "./queries-fixture.ts";

let database: TestDatabase;
const answers: string[] = [];
let counter = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  await buildQueryFixture(database.db);
});
afterAll(async () => {
  await database?.drop();
});

function pipelineOn(today: string): Pipeline {
  return createPipeline({ db: database.db, answer: (m) => answerMessage(database.db, m, { today: () => today }) });
}

/** Asks as `userid`: in a single chat, or in the group `chatId` (bound or not). */
async function ask(userid: string, text: string, where: { chatId?: string; today?: string } = {}): Promise<string> {
  const chatId = where.chatId ?? null;
  const answer = await pipelineOn(where.today ?? "2024-03-15").receive({
    msgid: `q-${++counter}`,
    transport: "console",
    chatType: chatId ? "group" : "single",
    chatId,
    userid,
    text,
  });
  if (answer === null) throw new Error("no answer");
  answers.push(answer);
  return answer;
}

/** The position of each needle in the text, to check order. */
function positions(text: string, needles: string[]): number[] {
  return needles.map((n) => {
    const at = text.indexOf(n);
    expect(at, `missing ${n}`).toBeGreaterThanOrEqual(0);
    return at;
  });
}
const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || (xs[i - 1] ?? -1) < x);

describe("查", () => {
  const C484 = `${CONGRESS}第0484号建议《关于招商引资工作的建议》`;

  it.each([
    "查 0484",
    "查 484",
    "查 第0484号建议",
    "查 建议0484",
    "查 0484号建议",
    "/status 0484",
    "／查　０４８４",
    `查 ${CONGRESS}0484`,
  ])("finds the one case for %j", async (text) => {
    const answer = await ask("zhangwei", text);
    expect(answer).toContain(`**${C484}**`);
    expect(answer).toContain("**市发展和改革委员会**（主办）：待签收");
    expect(answer).toContain("签收期限：2024年3月20日（剩3个工作日）");
    expect(answer).toContain("**下一步**：签收，2024年3月20日前（剩3个工作日）");
  });

  it("lists both cases of an ambiguous number and asks which one", async () => {
    for (const text of ["查 205", "查 提案205", "查 第205号", "查 205号提案"]) {
      const answer = await ask("zhangwei", text);
      expect(answer).toContain("编号205对应2件");
      expect(answer).toContain(`${CPPCC}第205号提案《关于推动我市招商引资工作高质量发展的提案》`);
      expect(answer).toContain(`${CPPCC_2023}第205号提案《关于加快老旧小区改造的提案》`);
      expect(answer).toContain(`请写明类型或届次，例如：${CPPCC}205`);
    }
  });

  it("lists 142 and 0142 for 142 (people drop leading zeros), and takes 0142 as written", async () => {
    const { db } = database;
    const sessions = await db.session.findMany({ where: { name: { in: [CPPCC, CONGRESS] } } });
    const sessionId = (name: string) => sessions.find((s) => s.name === name)?.id ?? 0;
    await db.case.createMany({
      data: [
        {
          kind: "PROPOSAL",
          sessionId: sessionId(CPPCC),
          number: "142",
          title: "关于灌区水利的提案",
          assignedOn: new Date("2024-02-20"),
        },
        {
          kind: "SUGGESTION",
          sessionId: sessionId(CONGRESS),
          number: "0142",
          title: "关于执法体系的建议",
          assignedOn: new Date("2024-03-15"),
        },
      ],
    });
    const both = await ask("zhangwei", "查 142");
    expect(both).toContain("编号142对应2件");
    expect(both).toContain(`${CPPCC}第142号提案《关于灌区水利的提案》`);
    expect(both).toContain(`${CONGRESS}第0142号建议《关于执法体系的建议》`);
    expect(await ask("zhangwei", "查 0142")).toContain(`**${CONGRESS}第0142号建议《关于执法体系的建议》**`);
    expect(await ask("zhangwei", "查 提案142")).toContain(`**${CPPCC}第142号提案《关于灌区水利的提案》**`);
  });

  it("picks the case once the session is named, in full or in part", async () => {
    const full = await ask("zhangwei", `查 ${CPPCC}第205号提案`);
    expect(full).toContain(`**${CPPCC}第205号提案《关于推动我市招商引资工作高质量发展的提案》**`);
    const part = await ask("zhangwei", "查 五届一次会议205");
    expect(part).toContain(`**${CPPCC_2023}第205号提案《关于加快老旧小区改造的提案》**`);
    expect(part).toContain("**下一步**：已办结（2023年6月10日）");
  });

  it("shows a unit its own details: handler, contacts with 面商 first, deadlines and what is next", async () => {
    const answer = await ask("fgw_li", `查 ${CPPCC}205`, { chatId: "chat-fgw" });
    expect(answer).toContain("交办：2024年2月20日 · 主动公开 · **重点督办**");
    expect(answer).toContain("提出人：刘定东（领衔），附议：陈红");
    expect(answer).toContain("**市发展和改革委员会**（主办）：办理中");
    expect(answer).toContain("- 承办人：王芳（2024年2月22日签收）");
    expect(answer).toContain("- 答复期限：2024年5月20日（剩");
    expect(answer).toContain("- 沟通3次：**面商2次**、电话1次");
    expect(answer).toContain("- **下一步**：答复，2024年5月20日前");
    expect(answer).toContain("**市教育局**（会办）：已送会办意见");
    expect(answer).toContain("意见已于2024年3月10日送主办单位");
    expect(answer).not.toContain("<@");
  });

  it("shows another unit's member only the public facts", async () => {
    const answer = await ask("civil_sun", `查 ${CPPCC}205`);
    expect(answer).toContain("**市发展和改革委员会**（主办）：办理中");
    expect(answer).toContain("- **下一步**：答复，2024年5月20日前");
    expect(answer).not.toContain("王芳");
    expect(answer).not.toContain("沟通");
  });

  it("says plainly when no case has the number", async () => {
    const answer = await ask("zhangwei", "查 999");
    expect(answer).toContain("没有找到第999号");
    expect(answer).toContain("例如：提案205");
  });

  it("treats a 不予公开 case an outsider may not see exactly like a missing one", async () => {
    const restricted = await ask("edu_zhao", "查 0099");
    const missing = await ask("edu_zhao", "查 0098");
    expect(restricted).toBe(missing.replace("0098", "0099"));
    expect(restricted).not.toContain("保密");
    expect(await ask("civil_sun", "查 0099", { chatId: "chat-fgw" })).toBe(restricted);
  });

  it("shows a 不予公开 case to its unit in a single chat and in its own group, but not in an unbound group", async () => {
    const title = `${CONGRESS}第0099号建议《关于某保密事项的建议》`;
    expect(await ask("fgw_li", "查 0099")).toContain(title);
    expect(await ask("fgw_li", "查 0099", { chatId: "chat-fgw" })).toContain(title);
    expect(await ask("zhangwei", "查 0099", { chatId: "chat-office" })).toContain(title);
    for (const [userid, chatId] of [
      ["fgw_li", "chat-unbound"],
      ["lijie", "chat-unbound"],
      ["zhangwei", "chat-edu"],
    ]) {
      const refused = await ask(userid ?? "", "查 0099", { chatId });
      expect(refused).toContain("该案件不予公开，不能在本群查看");
      expect(refused).not.toContain("保密");
    }
  });

  it("answers bad arguments with the usage line and an example", async () => {
    for (const text of ["查", "查 abc", "查 205A"]) {
      const answer = await ask("zhangwei", text);
      expect(answer).toContain("用法：`查 <案号>`");
      expect(answer).toContain("例如：`查 205号提案`");
    }
  });
});

describe("我的", () => {
  it("lists my unit's open duties soonest first, counting working days across 清明", async () => {
    const answer = await ask("fgw_li", "我的", { today: "2024-04-02" });
    expect(answer).toContain("**市发展和改革委员会未办结 6件**，其中逾期3件");
    const lines = [
      "第0099号建议《关于某保密事项的建议》：主办，承办人王芳，2024年3月12日前答复（**逾期21天**）",
      "第0484号建议《关于招商引资工作的建议》：主办，2024年3月20日前签收（**逾期13天**）",
      "第0300号建议《关于降低企业用能成本的建议》：主办，承办人王芳，2024年3月29日前公开（**逾期4天**）",
      "第118号提案《关于发展数字经济的提案》：会办，承办人王芳，2024年4月3日前会办意见（剩1个工作日）",
      "第0210号建议《关于优化营商环境的建议》：主办，承办人王芳，2024年4月8日前重新办理答复（剩3个工作日）",
      "第205号提案《关于推动我市招商引资工作高质量发展的提案》：主办，承办人王芳，2024年5月20日前答复",
    ];
    expect(ascending(positions(answer, lines))).toBe(true);
    expect(answer).not.toContain("0301"); // 办结
  });

  it("leaves out a 不予公开 case in a group not bound to the unit, and says one is left out", async () => {
    const answer = await ask("fgw_li", "我的", { chatId: "chat-unbound", today: "2024-04-02" });
    expect(answer).toContain("未办结 6件");
    expect(answer).not.toContain("0099");
    expect(answer).toContain("另有1件不予公开的案件未列出");
  });

  it("tells a member without a unit what to do, and refuses a page that is not a number", async () => {
    expect(await ask("nounit", "我的")).toContain("您还没有所属单位");
    expect(await ask("fgw_li", "我的 abc")).toContain("用法：`我的 [页码]`");
  });
});

describe("单位", () => {
  it("finds a unit by its short name for the office", async () => {
    const answer = await ask("zhangwei", "单位 市发改委");
    expect(answer).toContain("**市发展和改革委员会未办结 6件**，其中逾期1件");
    expect(answer).toContain("第0484号建议《关于招商引资工作的建议》：主办，2024年3月20日前签收（剩3个工作日）");
    expect(await ask("lijie", "unit 发改委")).toContain("**市发展和改革委员会未办结 6件**");
  });

  it("lets a liaison see their own unit but not another", async () => {
    expect(await ask("fgw_li", "单位 市发改委")).toContain("未办结 6件");
    const refused = await ask("edu_zhao", "单位 市发改委");
    expect(refused).toContain("您只能查看本单位（市教育局）的任务");
    expect(refused).not.toContain("0484");
  });

  it("suggests units for an unknown name, and asks for a name when none is given", async () => {
    expect(await ask("zhangwei", "单位 市发改局")).toContain("未知单位「市发改局」，您是不是要找：市发展和改革委员会");
    expect(await ask("zhangwei", "单位")).toContain("用法：`单位 <单位名称或简称> [页码]`");
  });
});

describe("临期", () => {
  it("lists what falls due within 7 working days by default, grouped by unit, and counts the overdue", async () => {
    const answer = await ask("zhangwei", "临期");
    expect(answer).toContain("**7个工作日内到期 3件**（至2024年3月26日，涉及2个单位）");
    expect(answer).toContain("**市民政局**（2件）");
    expect(answer).toContain("第0500号建议《关于完善社区养老服务的建议》：主办，2024年3月15日前签收（**今天到期**）");
    expect(answer).toContain("第0501号建议《关于加强殡葬服务管理的建议》：主办，2024年3月25日前签收（剩6个工作日）");
    expect(answer).toContain("**市发展和改革委员会**（1件）");
    expect(answer).toContain("另有26件已逾期，发送「逾期」查看。");
    expect(
      ascending(positions(answer, ["**市民政局**", "第0500号", "第0501号", "**市发展和改革委员会**", "第0484号"])),
    ).toBe(true);
  });

  it("narrows to N working days with `临期 3`, and to the asker's unit for a liaison", async () => {
    const three = await ask("zhangwei", "临期 3");
    expect(three).toContain("**3个工作日内到期 2件**（至2024年3月20日");
    expect(three).not.toContain("0501");
    const liaison = await ask("fgw_li", "due");
    expect(liaison).toContain("**7个工作日内到期 1件**");
    expect(liaison).not.toContain("市民政局");
  });

  it("answers a bad number of days with the usage line", async () => {
    for (const text of ["临期 abc", "临期 -3", "临期 3 x"]) {
      expect(await ask("zhangwei", text)).toContain("用法：`临期 [工作日天数，默认7] [页码]`");
    }
    expect(await ask("zhangwei", "临期 999")).toContain("天数最多60个工作日");
  });
});

describe("逾期", () => {
  it("groups overdue duties by unit, most overdue first, 20 to a page", async () => {
    const first = await ask("zhangwei", "逾期");
    expect(first).toContain("**逾期未办 26件**（涉及3个单位）");
    expect(first).toContain("**市教育局**（15件）");
    expect(first).toContain("第700号建议《关于教育第1项工作的建议》：主办，2024年2月20日前签收（**逾期24天**）");
    expect(
      ascending(positions(first, ["第700号", "第701号", "第714号", "**市民政局**（10件）", "第800号", "第804号"])),
    ).toBe(true);
    expect(first).not.toContain("第805号");
    expect(first).toContain("第1/2页，发送「逾期 2」看下一页");

    const second = await ask("zhangwei", "逾期 2");
    expect(second).toContain("**市民政局**（10件）"); // the heading again where its list continues
    expect(ascending(positions(second, ["第805号", "第809号", "**市发展和改革委员会**（1件）", "第0099号"]))).toBe(
      true,
    );
    expect(second).toContain("（**逾期3天**）");
    expect(second).not.toContain("第700号");
    expect(second).toContain("第2/2页（最后一页）");
    expect(await ask("zhangwei", "overdue 3")).toContain("没有第3页：共2页，以上是最后一页。");
  });

  it("shows a liaison only their own unit", async () => {
    const answer = await ask("edu_zhao", "逾期");
    expect(answer).toContain("**逾期未办 15件**（涉及1个单位）");
    expect(answer).not.toContain("市民政局");
    expect(await ask("fgw_li", "逾期", { today: "2024-03-01" })).toBe("目前没有逾期未办的任务。");
  });
});

it("keeps every answer within the 20480-byte stream limit", () => {
  expect(answers.length).toBeGreaterThan(40);
  for (const answer of answers) expect(byteLength(answer)).toBeLessThanOrEqual(STREAM_MAX_BYTES);
});
