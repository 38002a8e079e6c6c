// 进度, 统计 and 总结 through the real pipeline and a real database. Two fixtures are built row by row from the seed
// reports: 安康市招商和经济合作局 2023 (seeds/000, 001: 6件, 建议1 提案5, 主办1 会办5, A类3 B类3, 100%) and
// 上海市民政局 2021 上半年 (seeds/003: 46 件主、合办建议 41/2/3, 48 件提案 45/1/2, 2 件会后件在办理期限内).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPipeline } from "../../bot/pipeline.ts";
import { answerMessage } from "../../commands/index.ts";
import { regionWord, selfReference } from "../../commands/summary.ts";
import type { Db } from "../../db/client.ts";
import { addWorkingDays, type CalendarDate } from "../../domain/calendar.ts";
import { assignmentDeadlines } from "../../domain/deadlines.ts";
import type { CaseKind, Rating } from "../../domain/labels.ts";
import { DEFAULT_POLICY } from "../../domain/policy.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

interface Duty {
  unitId: number;
  role: "LEAD" | "JOINT";
  /** LEAD: replied on that day with that class. */
  replied?: { on: CalendarDate; cls: string; rating: Rating };
  /** JOINT: 会办意见 sent on that day. */
  opinionOn?: CalendarDate;
}
interface Planned {
  kind: CaseKind;
  sessionId: number;
  number: string;
  assignedOn: CalendarDate;
  isPostSession?: boolean;
  duties: Duty[];
}

const day = (d: CalendarDate) => new Date(`${d}T00:00:00Z`);

/** Inserts the cases with their assignments, replies (with a 面商 before each), feedback; deadlines by policy. */
async function insert(db: Db, planned: Planned[]): Promise<void> {
  const cases = await db.case.createManyAndReturn({
    data: planned.map((p) => ({
      ...{ kind: p.kind, sessionId: p.sessionId, number: p.number, assignedOn: day(p.assignedOn) },
      title: `关于第${p.number}号事项的${p.kind === "PROPOSAL" ? "提案" : "建议"}`,
      isPostSession: p.isPostSession ?? false,
    })),
    select: { id: true, sessionId: true, number: true },
  });
  const caseId = (p: Planned) => cases.find((c) => c.sessionId === p.sessionId && c.number === p.number)?.id as number;
  const duties = planned.flatMap((p) => p.duties.map((d) => ({ p, d, caseId: caseId(p) })));
  const assignments = await db.assignment.createManyAndReturn({
    data: duties.map(({ p, d, caseId }) => {
      const deadlines = assignmentDeadlines(p.assignedOn, d.role, DEFAULT_POLICY);
      const done = d.role === "LEAD" ? d.replied !== undefined : d.opinionOn !== undefined;
      return {
        caseId,
        unitId: d.unitId,
        role: d.role,
        state: !done ? "IN_PROGRESS" : d.role === "LEAD" ? "REPLIED" : "OPINION_SENT",
        signedAt: day(addWorkingDays(p.assignedOn, 1)),
        signDeadline: day(deadlines.signDeadline),
        adjustDeadline: day(deadlines.adjustDeadline),
        replyDeadline: deadlines.replyDeadline ? day(deadlines.replyDeadline) : null,
        opinionDeadline: deadlines.opinionDeadline ? day(deadlines.opinionDeadline) : null,
        repliedOn: d.replied ? day(d.replied.on) : null,
        replyClass: d.replied?.cls ?? null,
        opinionSentOn: d.opinionOn ? day(d.opinionOn) : null,
      } as const;
    }),
    select: { id: true, caseId: true, unitId: true },
  });
  const idOf = (caseId: number, unitId: number) =>
    assignments.find((a) => a.caseId === caseId && a.unitId === unitId)?.id as number;
  const replied = duties.flatMap(({ d, caseId }) => (d.replied ? [{ id: idOf(caseId, d.unitId), r: d.replied }] : []));
  await db.reply.createMany({
    data: replied.map(({ id, r }) => ({ assignmentId: id, round: 1, replyClass: r.cls, repliedOn: day(r.on) })),
  });
  await db.feedback.createMany({
    data: replied.map(({ id, r }) => ({ assignmentId: id, round: 1, rating: r.rating, receivedOn: day(r.on) })),
  });
  await db.contactLog.createMany({
    data: replied.map(({ id, r }) => ({ assignmentId: id, stage: "BEFORE", form: "FACE", contactedOn: day(r.on) })),
  });
}

const numbered = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => String(from + i).padStart(4, "0"));
/** "41 A, 2 B, 3 C" → one class per case, in order. */
const classes = (counts: Record<string, number>) => Object.entries(counts).flatMap(([c, n]) => Array(n).fill(c));

// What the reports print; the fixtures below are built from these numbers.
const AK = { leadProposal: "A", jointProposals: ["A", "A", "B", "B"], jointSuggestion: "B" };
const SH = {
  suggestions: { A: 41, B: 2, C: 3 },
  proposals: { A: 45, B: 1, C: 2 },
  proposalsWithinTerm: 2,
  jointSuggestions: 71,
  jointProposals: 59,
};

let database: TestDatabase;
const ids: Record<string, number> = {};

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  const unit = async (name: string, aliases: string[] = [], isOffice = false) =>
    (await db.unit.create({ data: { name, aliases, isOffice } })).id;
  ids.office = await unit("安康市人民政府督查室", [], true);
  ids.ak = await unit("安康市招商和经济合作局", ["市招商局"]);
  ids.akLead = await unit("安康市发展和改革委员会", ["市发改委"]);
  ids.idle = await unit("安康市统计局");
  ids.sh = await unit("上海市民政局", ["市民政局"]);
  ids.shLead = await unit("上海市卫生健康委员会");
  await db.person.createMany({
    data: [
      { name: "张伟", userid: "admin", role: "admin", unitId: ids.office },
      { name: "王鹏", userid: "ak-liaison", role: "liaison", unitId: ids.ak },
      { name: "李勇", userid: "sh-leader", role: "leader", unitId: ids.sh },
    ],
  });
  const session = async (name: string, body: "CONGRESS" | "CPPCC", year: number) =>
    (await db.session.create({ data: { name, body, year } })).id;
  const akCppcc = await session("市政协五届二次会议", "CPPCC", 2023);
  const akCongress = await session("市五届人大三次会议", "CONGRESS", 2023);
  const shCongress = await session("上海市十五届人大五次会议", "CONGRESS", 2021);
  const shCppcc = await session("上海市政协十三届四次会议", "CPPCC", 2021);

  // 安康 2023: 第205号提案 主办 (seeds/001, A类), 4 提案 and 1 建议 会办, answered by 市发改委.
  const akReply = (cls: string) => ({ on: "2023-05-25", cls, rating: "SATISFIED" as const });
  const akJoint = (kind: CaseKind, sessionId: number, number: string, cls: string): Planned => ({
    ...{ kind, sessionId, number, assignedOn: "2023-03-10" },
    duties: [
      { unitId: ids.akLead as number, role: "LEAD", replied: akReply(cls) },
      { unitId: ids.ak as number, role: "JOINT", opinionOn: "2023-04-03" },
    ],
  });
  await insert(db, [
    {
      ...{ kind: "PROPOSAL", sessionId: akCppcc, number: "205", assignedOn: "2023-03-10" },
      duties: [
        { unitId: ids.ak, role: "LEAD", replied: { on: "2023-05-20", cls: AK.leadProposal, rating: "SATISFIED" } },
      ],
    },
    ...AK.jointProposals.map((cls, i) => akJoint("PROPOSAL", akCppcc, String(206 + i), cls)),
    akJoint("SUGGESTION", akCongress, "0031", AK.jointSuggestion),
  ]);

  // 上海 2021 上半年: replies in April, rated 满意 (C类 基本满意); 会办 opinions in February.
  const shLead = (kind: CaseKind, sessionId: number, number: string, cls: string): Planned => ({
    ...{ kind, sessionId, number, assignedOn: "2021-02-01" },
    duties: [
      {
        ...{ unitId: ids.sh as number, role: "LEAD" },
        replied: { on: "2021-04-20", cls, rating: cls === "C" ? "BASICALLY_SATISFIED" : "SATISFIED" },
      },
    ],
  });
  const shJoint = (kind: CaseKind, sessionId: number, number: string): Planned => ({
    ...{ kind, sessionId, number, assignedOn: "2021-02-01" },
    duties: [
      { unitId: ids.shLead as number, role: "LEAD", replied: { on: "2021-04-22", cls: "A", rating: "SATISFIED" } },
      { unitId: ids.sh as number, role: "JOINT", opinionOn: "2021-02-20" },
    ],
  });
  const suggestions = classes(SH.suggestions);
  const proposals = classes(SH.proposals);
  await insert(db, [
    ...numbered(1, suggestions.length).map((n, i) => shLead("SUGGESTION", shCongress, n, suggestions[i])),
    ...numbered(1, proposals.length).map((n, i) => shLead("PROPOSAL", shCppcc, n, proposals[i])),
    // 会后件, assigned in May: still within their term in July.
    ...numbered(901, SH.proposalsWithinTerm).map((number) => ({
      ...{ kind: "PROPOSAL" as const, sessionId: shCppcc, number, assignedOn: "2021-05-20", isPostSession: true },
      duties: [{ unitId: ids.sh as number, role: "LEAD" as const }],
    })),
    ...numbered(101, SH.jointSuggestions).map((n) => shJoint("SUGGESTION", shCongress, n)),
    ...numbered(101, SH.jointProposals).map((n) => shJoint("PROPOSAL", shCppcc, n)),
  ]);
});
afterAll(async () => database.drop());

let counter = 0;
async function ask(userid: string, text: string, today: CalendarDate): Promise<string> {
  const db = database.db;
  const pipeline = createPipeline({ db, answer: (m) => answerMessage(db, m, { today: () => today }) });
  const msgid = `stats-${++counter}`;
  const answer = await pipeline.receive({
    msgid,
    transport: "console",
    chatType: "single",
    chatId: null,
    userid,
    text,
  });
  return answer ?? "";
}
const DEC_2023 = "2023-12-20";
const JULY_2021 = "2021-07-15"; // the 上海 half-year report

/**
 * Every percentage has one decimal (统计), or is written as the reports write it (总结: "89.2%", "100%"), and is
 * followed by its numerator/denominator or a count of 件.
 */
function expectOneDecimalWithDenominators(answer: string, form: "statistics" | "report" = "statistics"): void {
  const percents = answer.match(/\d+(?:\.\d+)?%/g) ?? [];
  expect(percents.length).toBeGreaterThan(0);
  for (const p of percents) expect(p).toMatch(form === "statistics" ? /^\d+\.\d%$/ : /^(\d+\.[1-9]|\d+)%$/);
  for (const rate of answer.match(/率 ?\d+(?:\.\d)?%[^\n；。]*/g) ?? []) expect(rate).toMatch(/%（.+\d+件\/.+\d+件/);
}

describe("总结 reproduces the seeds' figures", () => {
  it("安康 2023: 6件, 建议1 提案5, 主办1 会办5, A类3 B类3, 办复率和满意率 100%", async () => {
    const answer = await ask("ak-liaison", "总结 2023", DEC_2023);
    const a = AK.jointProposals.filter((c) => c === "A").length + 1;
    expect(answer).toContain(
      `2023年，我局共承办建议提案6件，其中，建议1件，提案5件；主办1件，会办5件；A类复函${a}件，B类复函${6 - a}件。`,
    );
    // As the report prints it, ready to paste: "100%", with what it is a share of.
    expect(answer).toContain("办复率和满意率均为100%（已答复1件/应答复1件；满意和基本满意1件/收到反馈1件）");
    expect(answer).toContain("会办件均按期向主办单位提交了会办意见（5件）");
    // The office asking for the same unit by its short name gets the same paragraph.
    expect(await ask("admin", "总结 2023 市招商局", DEC_2023)).toBe(answer);
  });

  it("上海民政 2021 上半年: 41/2/3 of 46 建议 at 89.2/4.3/6.5%, 45/1/2 of 48 提案 at 93.7/2.1/4.2%", async () => {
    const answer = await ask("sh-leader", "总结 2021 市民政局", JULY_2021);
    const leadSuggestions = 41 + 2 + 3;
    const leadProposals = 45 + 1 + 2 + SH.proposalsWithinTerm;
    expect(answer).toContain(
      `2021年，我局共承办建议提案${leadSuggestions + leadProposals + SH.jointSuggestions + SH.jointProposals}件，` +
        `其中，建议${leadSuggestions + SH.jointSuggestions}件，提案${leadProposals + SH.jointProposals}件；` +
        `主办${leadSuggestions + leadProposals}件，会办${SH.jointSuggestions + SH.jointProposals}件；`,
    );
    expect(answer).toContain("已答复的46件主办建议中，A类41件，占比89.2%；B类2件，占比4.3%；C类3件，占比6.5%。");
    expect(answer).toContain("已答复的48件主办提案中，A类45件，占比93.7%；B类1件，占比2.1%；C类2件，占比4.2%。");
    expect(answer).toContain(`目前，除${SH.proposalsWithinTerm}件提案在办理期限内外，其余主办件均已按期答复。`);
    expect(answer).toContain("没有不满意件");
    expect(answer).toContain("办复率和满意率均为100%（已答复94件/应答复94件；满意和基本满意94件/收到反馈94件）");
    expectOneDecimalWithDenominators(answer, "report");
  });

  it("speaks for the whole city when the office asks without a unit", async () => {
    const answer = await ask("admin", "总结 2023", DEC_2023);
    expect(answer).toContain(
      "2023年，全市共交办建议提案6件，其中，建议1件，提案5件；由2个单位承办，主办6件次，会办5件次；",
    );
  });

  it("answers 没有… for a unit with nothing that year, and refuses a year still to come", async () => {
    expect(await ask("admin", "总结 2023 安康市统计局", DEC_2023)).toMatch(/^没有2023年交办给安康市统计局的建议提案/);
    expect(await ask("admin", "总结 2024", DEC_2023)).toContain("用法：`总结 [年份] [单位]`");
  });
});

describe("统计", () => {
  it("counts a year across all units, each share with its denominator", async () => {
    const answer = await ask("admin", "统计 2023", DEC_2023);
    expect(answer).toContain("交办共6件（11件次）：建议1件，提案5件；主办6件，会办5件");
    expect(answer).toContain("办复率 100.0%（已答复6件/应答复6件）");
    expect(answer).toContain("A类3件，占50.0%；B类3件，占50.0%；C类0件，占0.0%");
    expect(answer).not.toContain("上海");
    expectOneDecimalWithDenominators(answer);
  });

  it("counts one unit named by its alias, leaving cases within their term out of 办复率", async () => {
    const answer = await ask("admin", "stats 2021 市民政局", JULY_2021);
    expect(answer).toContain("**统计：2021年交办 · 上海市民政局**");
    expect(answer).toContain(`办复率 100.0%（已答复94件/应答复94件）；另有${SH.proposalsWithinTerm}件未到答复期限`);
    expect(answer).toContain("会办意见按期提交率 100.0%（按期提交130件/应提交130件）");
    expect(answer).toContain("A类86件，占91.5%");
    expectOneDecimalWithDenominators(answer);
  });

  it("holds unit staff to their own unit", async () => {
    expect(await ask("ak-liaison", "统计", DEC_2023)).toContain("**统计：全部届次 · 安康市招商和经济合作局**");
    expect(await ask("ak-liaison", "统计 市民政局", DEC_2023)).toMatch(/^您只能统计本单位的数字/);
  });

  it("answers 没有… for an empty selection, and the usage line for words it cannot read", async () => {
    expect(await ask("admin", "统计 2019", DEC_2023)).toMatch(/^没有可统计的建议提案/);
    const unknown = await ask("admin", "统计 市民政厅", DEC_2023);
    expect(unknown).toContain("没有找到「市民政厅」");
    expect(unknown).toContain("您是不是要找：");
    expect(unknown).toContain("用法：`统计 [届次|年份] [单位]`\n例如：`统计 2023 市发改委`");
    expect(await ask("admin", "统计 2023 2022", DEC_2023)).toContain("用法：");
  });
});

describe("进度", () => {
  it("is refused to a liaison, saying who may use it and what to ask instead", async () => {
    const answer = await ask("ak-liaison", "进度", DEC_2023);
    expect(answer).toContain("仅限领导和督办室");
    expect(answer).toContain("「我的」");
  });

  it("shows each unit of a session and the totals", async () => {
    const answer = await ask("admin", "progress 上海市政协十三届四次会议", JULY_2021);
    const lead = 45 + 1 + 2 + SH.proposalsWithinTerm;
    const own = lead + SH.jointProposals;
    expect(answer).toContain(
      `- **上海市民政局**：交办${own}件，已签收${own}件，已答复${lead - SH.proposalsWithinTerm}/${lead}件，` +
        `会办意见已送${SH.jointProposals}/${SH.jointProposals}件，无逾期`,
    );
    expect(answer).toContain(`- **上海市卫生健康委员会**：交办${SH.jointProposals}件`);
    expect(answer).toContain(`**合计**：提案${lead + SH.jointProposals}件，交办${own + SH.jointProposals}件次`);
    expect(answer).not.toContain("安康");
  });

  it("puts the units with overdue work first", async () => {
    // By December 2023 the two 会后件 of 2021 are long overdue.
    const answer = await ask("admin", "进度", DEC_2023);
    const lines = answer.split("\n").filter((l) => l.startsWith("- "));
    expect(lines[0]).toContain(`**上海市民政局**`);
    expect(lines[0]).toContain(`**逾期${SH.proposalsWithinTerm}件**`);
    expect(lines.slice(1).every((l) => l.endsWith("无逾期"))).toBe(true);
  });
});

describe("who the paragraph speaks for", () => {
  it("names a unit as its own report does, and the office's level for all units", () => {
    const names = [
      "上海市民政局",
      "市发展和改革委员会",
      "市政府办公室",
      "寿县人民政府",
      "市妇女联合会",
      "市供销合作社",
    ];
    expect(names.map(selfReference)).toEqual(["我局", "我委", "我办", "我县", "我会", "我社"]);
    expect(selfReference("某某项目组")).toBe("我单位");
    const offices = ["安康市人民政府督查室", "宣城市旌德县人民政府办公室", "云南省人民政府办公厅", undefined];
    expect(offices.map(regionWord)).toEqual(["全市", "全县", "全省", "全市"]);
  });
});
