// The 交办清单 import against a real database: a 500-row list with three bad rows is refused as a whole, the fixed
// list creates every case once, a re-import changes nothing, and a changed row is recorded and announced.
// Expected deadlines are calendar facts (2023: 清明 04-05, 劳动节 04-29..05-03 with makeup day 04-23).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CASE_LIST_COLUMNS, importCaseList } from "../../casework/import-cases.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// The template's columns without the optional deadline overrides.
const HEADER: string[] = CASE_LIST_COLUMNS.filter((c) => c !== "答复期限" && c !== "会办期限");
const UNITS = [
  { name: "市发展改革委", aliases: ["市发改委"] },
  { name: "市教育局", aliases: [] },
  { name: "市财政局", aliases: [] },
  { name: "市住房和城乡建设局", aliases: ["市住建局"] },
  { name: "市交通运输局", aliases: ["市交通局"] },
  { name: "市卫生健康委", aliases: ["市卫健委"] },
  { name: "市生态环境局", aliases: [] },
  { name: "市农业农村局", aliases: ["市农业局"] },
];
const NAMES = UNITS.map((u) => u.name);

type Cell = string | number | Date;

let database: TestDatabase;
let dir: string;

/** A workbook as an office would send it: a title row above the header, columns in a shuffled order. */
async function writeList(name: string, rows: Cell[][], header = HEADER): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("清单");
  sheet.addRow(["2023年市政协提案、市人大建议交办清单"]);
  const order = [...header.keys()].reverse();
  sheet.addRow(order.map((i) => header[i]));
  for (const row of rows) sheet.addRow(order.map((i) => row[i] ?? ""));
  const path = join(dir, name);
  await workbook.xlsx.writeFile(path);
  return path;
}

/** Row i: 主办 one unit, 会办 the next two; odd rows are 提案 of 政协, even rows 建议 of 人大. */
function goodRows(count: number): Cell[][] {
  return Array.from({ length: count }, (_, i) => {
    const proposal = i % 2 === 1;
    const n = i + 1;
    return [
      proposal ? "提案" : "建议",
      proposal ? "市政协五届二次会议" : "市十七届人大二次会议",
      n % 5 === 0 ? n : String(n).padStart(4, "0"), // some 编号 typed as numbers, most with leading zeros as text
      `关于第${n}项民生实事的${proposal ? "提案" : "建议"}`,
      n % 3 === 0 ? "张三、李四，王五" : "刘定东",
      NAMES[i % 8] ?? "",
      "",
      `${NAMES[(i + 1) % 8]}、${NAMES[(i + 2) % 8]}`,
      "",
      n % 10 === 0 ? "是" : "否",
      n % 7 === 0 ? "依申请公开" : "",
      n % 4 === 0 ? "2023年3月31日" : new Date(Date.UTC(2023, 2, 31)),
    ];
  });
}

async function counts() {
  const { db } = database;
  const [cases, assignments, events, outbox, sessions] = await Promise.all([
    db.case.count(),
    db.assignment.count(),
    db.event.count(),
    db.outbox.count(),
    db.session.count(),
  ]);
  return { cases, assignments, events, outbox, sessions };
}

async function caseByNumber(number: string) {
  return database.db.case.findFirstOrThrow({
    where: { number },
    include: { session: true, assignments: { include: { unit: true }, orderBy: { id: "asc" } } },
  });
}

const day = (d: Date | null) => d?.toISOString().slice(0, 10) ?? null;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "casebot-import-"));
  await database.db.unit.createMany({ data: UNITS });
});

afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("importing a 500-row 交办清单", () => {
  const rows = goodRows(500);

  it("reports exactly the three bad rows, by row number and column, and writes nothing", async () => {
    const bad = rows.map((r) => [...r]);
    // Data starts on Excel row 3 (title row, then header): list index i is Excel row i + 3.
    (bad[35] as Cell[])[5] = "市发改局"; // Excel row 38: an unknown unit
    (bad[198] as Cell[])[11] = "2023-02-30"; // Excel row 201: no such date
    (bad[410] as Cell[])[2] = "0009"; // Excel row 413: same kind (建议), session and number as Excel row 11
    const result = await importCaseList(database.db, await writeList("bad.xlsx", bad));
    expect(result.problems.map((p) => [p.row, p.column])).toEqual([
      [38, "主办单位"],
      [201, "交办日期"],
      [413, "编号"],
    ]);
    expect(result.problems[0]?.message).toBe("未知单位「市发改局」，您是不是要找：市发展改革委（市发改委）？");
    expect(result.problems[1]?.message).toBe("交办日期「2023-02-30」这一天不存在，请检查月份和日期");
    expect(result.problems[2]?.message).toBe("编号「0009」与第11行重复（同为市十七届人大二次会议建议）");
    expect(await counts()).toEqual({ cases: 0, assignments: 0, events: 0, outbox: 0, sessions: 0 });
  });

  it("dry-run of the fixed list says what would happen and writes nothing", async () => {
    const result = await importCaseList(database.db, await writeList("good.xlsx", rows), { dryRun: true });
    expect(result).toMatchObject({ problems: [], created: 500, assignmentsAdded: 1500 });
    expect(await counts()).toEqual({ cases: 0, assignments: 0, events: 0, outbox: 0, sessions: 0 });
  });

  it("creates the 500 cases once, with their assignments, deadlines and one 交办 notice per assignment", async () => {
    const result = await importCaseList(database.db, join(dir, "good.xlsx"));
    expect(result).toMatchObject({ problems: [], created: 500, updated: 0, unchanged: 0, assignmentsAdded: 1500 });
    expect(await counts()).toMatchObject({ cases: 500, assignments: 1500, outbox: 1500, sessions: 2 });
    expect(await database.db.outbox.count({ where: { kind: "ASSIGNED" } })).toBe(1500);

    const cppcc = await database.db.session.findUniqueOrThrow({ where: { name: "市政协五届二次会议" } });
    expect(cppcc).toMatchObject({ body: "CPPCC", year: 2023 });
    expect(await database.db.session.findUniqueOrThrow({ where: { name: "市十七届人大二次会议" } })).toMatchObject({
      body: "CONGRESS",
    });

    // Case 0002: a 提案, a 提案, 主办 市教育局, 会办 市财政局、市住房和城乡建设局, 交办 2023-03-31.
    const c = await caseByNumber("0002");
    expect(c).toMatchObject({ kind: "PROPOSAL", title: "关于第2项民生实事的提案", proposers: ["刘定东"] });
    expect(day(c.assignedOn)).toBe("2023-03-31");
    const lead = c.assignments.find((a) => a.role === "LEAD");
    expect(lead?.unit.name).toBe("市教育局");
    expect([day(lead?.signDeadline ?? null), day(lead?.adjustDeadline ?? null)]).toEqual(["2023-04-06", "2023-04-10"]);
    expect([day(lead?.replyDeadline ?? null), day(lead?.opinionDeadline ?? null)]).toEqual(["2023-06-30", null]);
    const joint = c.assignments.filter((a) => a.role === "JOINT");
    expect(joint.map((a) => a.unit.name)).toEqual(["市财政局", "市住房和城乡建设局"]);
    expect(joint.map((a) => [day(a.opinionDeadline), day(a.replyDeadline)])).toEqual([
      ["2023-05-04", null],
      ["2023-05-04", null],
    ]);
    // The audit log: one case.created event per case, naming the importer and the first assignments.
    expect(await database.db.event.count()).toBe(500);
    const created = await database.db.event.findFirstOrThrow({ where: { caseId: c.id } });
    expect(created).toMatchObject({ action: "case.created", actorLabel: "导入交办清单（good.xlsx）" });
    expect(created.after).toMatchObject({
      number: "0002",
      assignments: [
        { assignmentId: lead?.id, unit: "市教育局", role: "LEAD", replyDeadline: "2023-06-30" },
        { unit: "市财政局", role: "JOINT" },
        { unit: "市住房和城乡建设局", role: "JOINT" },
      ],
    });
    // Numbers: typed as a number cell (5) and as text with leading zeros; proposers split on 、 and ，.
    expect((await caseByNumber("5")).kind).toBe("SUGGESTION");
    expect((await caseByNumber("0003")).proposers).toEqual(["张三", "李四", "王五"]);
    expect((await caseByNumber("0007")).disclosure).toBe("ON_REQUEST");
    expect((await caseByNumber("0484")).assignments).toHaveLength(3);
  });

  it("re-importing the same list changes nothing: no update, no event, no notice", async () => {
    const before = await counts();
    const lastUpdate = await database.db.case.aggregate({ _max: { updatedAt: true } });
    const result = await importCaseList(database.db, join(dir, "good.xlsx"));
    expect(result).toMatchObject({ problems: [], created: 0, updated: 0, unchanged: 500, assignmentsAdded: 0 });
    expect(result).toMatchObject({ assignmentsRemoved: 0, assignmentsChanged: 0 });
    expect(await counts()).toEqual(before);
    expect(await database.db.case.aggregate({ _max: { updatedAt: true } })).toEqual(lastUpdate);
  });

  it("a changed row: unit added, unit removed, role changed — each recorded and announced once", async () => {
    // Case 0002 (Excel row 4): was 主办 市教育局, 会办 市财政局、市住房和城乡建设局.
    // Now: 市财政局 becomes 分办, 市住房和城乡建设局 is taken off, 市农业农村局 (by its alias) is added as 协办.
    const changed = rows.map((r) => [...r]);
    (changed[1] as Cell[])[6] = "市财政局";
    (changed[1] as Cell[])[7] = "";
    (changed[1] as Cell[])[8] = "市农业局";
    const path = await writeList("changed.xlsx", changed);
    const before = await counts();
    const maxEvent = (await database.db.event.aggregate({ _max: { id: true } }))._max.id ?? 0n;

    const dry = await importCaseList(database.db, path, { dryRun: true });
    expect(dry).toMatchObject({ updated: 1, unchanged: 499, assignmentsAdded: 1, assignmentsRemoved: 1 });
    expect(await counts()).toEqual(before);

    const result = await importCaseList(database.db, path);
    expect(result).toMatchObject({ problems: [], created: 0, updated: 1, unchanged: 499 });
    expect(result).toMatchObject({ assignmentsAdded: 1, assignmentsRemoved: 1, assignmentsChanged: 1 });

    const c = await caseByNumber("0002");
    const byUnit = new Map(c.assignments.map((a) => [a.unit.name, a]));
    expect(c.assignments).toHaveLength(4); // the removed one is kept, withdrawn
    expect(byUnit.get("市住房和城乡建设局")?.state).toBe("WITHDRAWN");
    const separate = byUnit.get("市财政局");
    expect(separate?.role).toBe("SEPARATE");
    expect([day(separate?.replyDeadline ?? null), day(separate?.opinionDeadline ?? null)]).toEqual([
      "2023-06-30",
      null,
    ]);
    const assist = byUnit.get("市农业农村局");
    expect([assist?.role, assist?.state, day(assist?.opinionDeadline ?? null)]).toEqual([
      "ASSIST",
      "PENDING",
      "2023-05-04",
    ]);

    const events = await database.db.event.findMany({ where: { id: { gt: maxEvent } }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.action, e.assignmentId]).sort()).toEqual(
      [
        ["assignment.created", assist?.id],
        ["assignment.role_changed", separate?.id],
        ["assignment.withdrawn", byUnit.get("市住房和城乡建设局")?.id],
      ].sort(),
    );
    expect(events.every((e) => e.caseId === c.id && e.actorLabel === "导入交办清单（changed.xlsx）")).toBe(true);
    expect(events.find((e) => e.action === "assignment.role_changed")?.before).toMatchObject({ role: "JOINT" });

    const notices = await database.db.outbox.findMany({ where: { caseId: c.id }, orderBy: { id: "asc" } });
    const fresh = notices.slice(3);
    expect(fresh.map((n) => [n.kind, n.unitId]).sort()).toEqual(
      [
        ["ADJUSTED", byUnit.get("市住房和城乡建设局")?.unitId],
        ["ADJUSTED", separate?.unitId],
        ["ASSIGNED", assist?.unitId],
      ].sort(),
    );
    expect(fresh.find((n) => n.kind === "ASSIGNED")?.dedupeKey).toBe(`assigned:${assist?.id}`);
    expect(await counts()).toMatchObject({ events: before.events + 3, outbox: before.outbox + 3 });

    // The same changed list again: nothing more.
    const again = await importCaseList(database.db, path);
    expect(again).toMatchObject({ updated: 0, unchanged: 500, assignmentsAdded: 0, assignmentsRemoved: 0 });
    expect(await counts()).toMatchObject({ events: before.events + 3, outbox: before.outbox + 3 });
  });
});

describe("what people really type", () => {
  it("full-width spaces, stray spaces, date forms, per-case deadlines; a changed title is an update", async () => {
    const header = [...HEADER, "答复期限", "会办期限"];
    const row = (title: string, joint = "市教育局,  市财政局", reply = "2024/8/31"): Cell[] => [
      "　提案 ",
      "市政协 五届三次会议",
      " 0999　",
      `《${title}》`,
      " 赵六 ， 钱七 ",
      "　市 发改委　",
      "",
      joint,
      "",
      "是",
      "不予公开",
      "２０２４.３.１",
      reply,
      "2024年6月30日",
    ];
    const first = await importCaseList(
      database.db,
      await writeList("typed.xlsx", [row("关于加快城市更新的提案")], header),
    );
    expect(first).toMatchObject({ problems: [], created: 1, assignmentsAdded: 3 });
    const c = await caseByNumber("0999");
    expect(c).toMatchObject({ title: "关于加快城市更新的提案", proposers: ["赵六", "钱七"], isPriority: true });
    expect(c).toMatchObject({ disclosure: "NOT_PUBLIC" });
    expect([c.session.name, c.session.year, day(c.assignedOn)]).toEqual(["市政协五届三次会议", 2024, "2024-03-01"]);
    const lead = c.assignments.find((a) => a.role === "LEAD");
    expect([lead?.unit.name, day(lead?.replyDeadline ?? null)]).toEqual(["市发展改革委", "2024-08-31"]);
    expect(c.assignments.filter((a) => a.role === "JOINT").map((a) => day(a.opinionDeadline))).toEqual([
      "2024-06-30",
      "2024-06-30",
    ]);

    const second = await importCaseList(
      database.db,
      await writeList("typed2.xlsx", [row("关于加快老旧小区改造的提案")], header),
    );
    expect(second).toMatchObject({ created: 0, updated: 1, assignmentsAdded: 0, assignmentsChanged: 0 });
    const event = await database.db.event.findFirstOrThrow({ where: { caseId: c.id, action: "case.updated" } });
    expect(event.before).toEqual({ title: "关于加快城市更新的提案" });
    expect(event.after).toEqual({ title: "关于加快老旧小区改造的提案" });

    // A new 答复期限 moves the 主办's reply deadline (one 调整 notice); 市财政局 is taken off, then listed again.
    const title = "关于加快老旧小区改造的提案";
    const third = await importCaseList(
      database.db,
      await writeList("typed3.xlsx", [row(title, "市教育局", "2024-09-30")], header),
    );
    expect(third).toMatchObject({ updated: 1, assignmentsChanged: 1, assignmentsRemoved: 1, assignmentsAdded: 0 });
    const moving = await database.db.assignment.findFirstOrThrow({ where: { caseId: c.id, role: "LEAD" } });
    expect(day(moving.replyDeadline)).toBe("2024-09-30");
    const moved = await database.db.event.findFirstOrThrow({
      where: { assignmentId: moving.id, action: "assignment.deadlines_changed" },
    });
    expect(
      await database.db.outbox.findUniqueOrThrow({ where: { dedupeKey: `adjusted:${moving.id}:${moved.id}` } }),
    ).toMatchObject({
      kind: "ADJUSTED",
      unitId: moving.unitId,
    });

    const fourth = await importCaseList(
      database.db,
      await writeList("typed4.xlsx", [row(title, "市教育局、市财政局", "2024-09-30")], header),
    );
    expect(fourth).toMatchObject({ updated: 1, assignmentsAdded: 1, assignmentsRemoved: 0, assignmentsChanged: 0 });
    const finance = await database.db.assignment.findFirstOrThrow({
      where: { caseId: c.id, unit: { name: "市财政局" } },
    });
    expect(finance.state).toBe("PENDING");
    const restored = await database.db.event.findFirstOrThrow({
      where: { assignmentId: finance.id, action: "assignment.restored" },
    });
    expect(
      await database.db.outbox.count({
        where: { dedupeKey: `assigned:${finance.id}:${restored.id}`, kind: "ASSIGNED" },
      }),
    ).toBe(1);
  });

  it("refuses a case without 主办/分办, a unit in two roles, and bad 类型/重点/公开属性, all at once", async () => {
    const base = goodRows(1)[0] as Cell[];
    const rows: Cell[][] = [
      Object.assign([...base], { 2: "9001", 5: "", 7: "市教育局" }),
      Object.assign([...base], { 2: "9002", 5: "市教育局", 7: "市教育局" }),
      Object.assign([...base], { 0: "意见", 2: "9003", 9: "也许", 10: "公开一半" }),
    ];
    const before = await counts();
    const result = await importCaseList(database.db, await writeList("rules.xlsx", rows));
    expect(result.problems.map((p) => [p.row, p.column])).toEqual([
      [3, "主办单位"],
      [4, "会办单位"],
      [5, "类型"],
      [5, "重点"],
      [5, "公开属性"],
    ]);
    expect(result.problems[0]?.message).toContain("至少要有一个主办或分办单位");
    expect(result.problems[1]?.message).toContain("同时列在主办单位和会办单位中");
    expect(await counts()).toEqual(before);
  });

  it("a file that is not a workbook, or lacks required columns, gives one clear error", async () => {
    const before = await counts();
    const notXlsx = join(dir, "list.xlsx");
    await writeFile(notXlsx, "类型,届次,编号\n提案,市政协五届二次会议,1\n");
    const a = await importCaseList(database.db, notXlsx);
    expect(a.problems).toHaveLength(1);
    expect(a.problems[0]?.message).toContain("不是有效的 Excel 工作簿");

    const b = await importCaseList(
      database.db,
      await writeList("cols.xlsx", [["提案", "x", "1"]], ["类型", "届次", "编号"]),
    );
    expect(b.problems).toHaveLength(1);
    expect(b.problems[0]?.message).toContain("缺少必填列：标题、主办单位、交办日期");

    const c = await importCaseList(database.db, await writeList("none.xlsx", [["a", "b"]], ["甲", "乙"]));
    expect(c.problems[0]?.message).toContain("找不到表头行");
    expect(await counts()).toEqual(before);
  });
});
