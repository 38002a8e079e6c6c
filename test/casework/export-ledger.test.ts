// The 台账 and the template, written to real files and read back with exceljs: what an office opens in Excel.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportLedger, LEDGER_COLUMNS, writeTemplate } from "../../casework/export-ledger.ts";
import { CASE_LIST_COLUMNS, importCaseList } from "../../casework/import-cases.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let dir: string;

async function open(path: string): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new Error("no sheet");
  return sheet;
}

function values(sheet: ExcelJS.Worksheet, row: number): unknown[] {
  const v = sheet.getRow(row).values;
  return Array.isArray(v) ? Array.from(v).slice(1) : []; // Array.from fills the holes of empty cells
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "casebot-ledger-"));
});

afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("writeTemplate", () => {
  it("writes the header and the real example (第205号提案), which imports cleanly once its units exist", async () => {
    const path = join(dir, "template.xlsx");
    await writeTemplate(path);
    const sheet = await open(path);
    expect(values(sheet, 1)).toEqual([...CASE_LIST_COLUMNS]);
    expect(values(sheet, 2).slice(0, 6)).toEqual([
      "提案",
      "市政协五届二次会议",
      "205",
      "关于推动我市招商引资工作高质量发展的提案",
      "刘定东",
      "市招商和经济合作局",
    ]);
    expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });

    const withoutUnits = await importCaseList(database.db, path);
    expect(withoutUnits.problems.map((p) => [p.row, p.column])).toEqual([
      [2, "主办单位"],
      [2, "会办单位"],
    ]);
    await database.db.unit.createMany({
      data: [{ name: "市招商和经济合作局", aliases: ["市招商局"] }, { name: "市行政审批局" }],
    });
    const result = await importCaseList(database.db, path);
    expect(result).toMatchObject({ problems: [], created: 1, assignmentsAdded: 2 });
    const c = await database.db.case.findFirstOrThrow({ include: { session: true } });
    expect([c.kind, c.session.name, c.number, c.proposers]).toEqual([
      "PROPOSAL",
      "市政协五届二次会议",
      "205",
      ["刘定东"],
    ]);
  });
});

describe("exportLedger", () => {
  it("writes one row per assignment, in case-number order, with states, deadlines, replies and ratings", async () => {
    const { db } = database;
    // A second case numbered "0095": it sorts before 205 as a number; its leading zero survives the export.
    const session = await db.session.findFirstOrThrow();
    const unit = await db.unit.findUniqueOrThrow({ where: { name: "市招商和经济合作局" } });
    await db.case.create({
      data: {
        kind: "PROPOSAL",
        sessionId: session.id,
        number: "0095",
        title: "关于优化营商环境的提案",
        proposers: ["甲", "乙"],
        isPriority: true,
        disclosure: "ON_REQUEST",
        assignedOn: new Date("2023-03-31T00:00:00Z"),
        assignments: {
          create: {
            unitId: unit.id,
            role: "LEAD",
            signDeadline: new Date("2023-04-06T00:00:00Z"),
            adjustDeadline: new Date("2023-04-10T00:00:00Z"),
            replyDeadline: new Date("2023-06-30T00:00:00Z"),
            extensionCap: new Date("2023-10-09T00:00:00Z"),
          },
        },
      },
    });
    // Case 205's 主办 has been signed for by a handler, replied A and rated 满意.
    const handler = await db.person.create({ data: { name: "王鹏", role: "handler", unitId: unit.id } });
    const lead = await db.assignment.findFirstOrThrow({ where: { role: "LEAD", case: { number: "205" } } });
    await db.assignment.update({
      where: { id: lead.id },
      data: {
        state: "REPLIED",
        handlerId: handler.id,
        signedAt: new Date(),
        repliedOn: new Date("2023-08-10T00:00:00Z"),
        replyClass: "A",
      },
    });
    await db.feedback.create({
      data: { assignmentId: lead.id, round: 1, rating: "SATISFIED", receivedOn: new Date("2023-08-20T00:00:00Z") },
    });

    const path = join(dir, "ledger.xlsx");
    expect(await exportLedger(db, path)).toBe(3);
    const sheet = await open(path);
    expect(values(sheet, 1)).toEqual(LEDGER_COLUMNS.map((c) => c.header));
    expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(sheet.getColumn(4).width).toBe(50); // 标题 is readable

    const text = (row: number) =>
      values(sheet, row).map((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : (v ?? "")));
    expect(text(2)).toEqual([
      "提案",
      "市政协五届二次会议",
      "0095",
      "关于优化营商环境的提案",
      "甲、乙",
      "市招商和经济合作局",
      "主办",
      "待签收",
      "",
      "2023-03-31",
      "2023-04-06",
      "2023-06-30",
      "",
      "",
      "",
      "依申请公开",
      "是",
    ]);
    expect(text(3).slice(2, 17)).toEqual([
      "205",
      "关于推动我市招商引资工作高质量发展的提案",
      "刘定东",
      "市招商和经济合作局",
      "主办",
      "已答复",
      "王鹏",
      "2023-03-31",
      "2023-04-06",
      "2023-06-30",
      "2023-08-10",
      "A",
      "满意",
      "主动公开",
      "否",
    ]);
    // The 会办 unit's deadline is its opinion deadline (1 month, past the 劳动节 holiday).
    expect(text(4).slice(5, 12)).toEqual([
      "市行政审批局",
      "会办",
      "待签收",
      "",
      "2023-03-31",
      "2023-04-06",
      "2023-05-04",
    ]);
  });
});
