// Fuzz: generated 交办清单 workbooks (written with exceljs) through the real import on a real database — merged
// cells, formulas with and without results, error cells, rich text and hyperlinks, numbers, booleans and dates where
// text belongs, 10,000-character cells, injections, unknown units, shuffled and duplicated headers, and files that
// are not workbooks at all. Each must come back with problems that name the row (never an exception), every row built
// to be wrong must be among them, and with any problem nothing is written. 100,000 empty rows are skipped, and the
// one real row after them is imported.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPipeline } from "../../bot/pipeline.ts";
import { CASE_LIST_COLUMNS, importCaseList } from "../../casework/import-cases.ts";
import { answerMessage } from "../../commands/index.ts";
import { buildUpdateFixture } from "../commands/update-fixture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { injectionProblems, NASTY, nastyText, type Random, seededRandom } from "./random.ts";
import { changes, fastCommits, recordTables, snapshotter } from "./snapshot.ts";

const WORKBOOKS = 80;
const SESSION = "市政协五届二次会议";
const UNITS = ["市发改委", "市教育局", "住建局", "市发展和改革委员会"];

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await fastCommits(database);
  await buildUpdateFixture(database.db);
}, 60_000);
afterAll(async () => {
  await database?.drop();
});

type Cell = ExcelJS.CellValue;
type Row = Record<string, Cell>;

function goodRow(n: number): Row {
  return {
    类型: "提案",
    届次: SESSION,
    编号: String(n),
    标题: `关于第${n}号事项的提案`,
    提出人: "王某、李某",
    主办单位: "市发改委",
    会办单位: "市教育局",
    重点: "否",
    公开属性: "主动公开",
    交办日期: "2024-03-11",
  };
}

/**
 * One way to make a row certainly wrong, with the column the import must name. Hostile text gets a visible prefix:
 * the file cannot keep control characters, so text made only of them arrives as a blank cell.
 */
const BREAKERS: [string, (r: Random) => Cell][] = [
  ["类型", (r) => r.pick(["议题", "", 42, true, { formula: "1+1", result: 2 }, `议${nastyText(r, 10)}题`])],
  ["届次", () => ""],
  ["编号", () => ""],
  ["标题", (r) => r.pick(["", "   ", "《》", { formula: "A1" }])],
  ["主办单位", (r) => r.pick(["不存在的局", `局${nastyText(r, 15)}`, "", 12345, { error: "#REF!" }])],
  ["重点", (r) => r.pick(["也许", 2, NASTY.sql[0]])],
  ["公开属性", (r) => r.pick(["半公开", 3.5, `半${nastyText(r, 8)}`])],
  ["交办日期", (r) => r.pick(["昨天", "2024-02-30", "", true, -5, "0000-01-01", `昨${nastyText(r, 10)}`])],
  ["答复期限", () => "2020-01-01"],
];

/** Anything at all, of any type, for a random column. */
function junk(r: Random): Cell {
  return r.pick<() => Cell>([
    () => nastyText(r, 40),
    () => r.string(10_000, "查号第<@>*`#\n 😀"),
    () => r.int(-1e6, 1e6) / r.pick([1, 7, 1000]),
    () => r.chance(0.5),
    () => new Date(Date.UTC(r.int(1800, 2300), r.int(0, 11), r.int(1, 28))),
    () => ({ formula: "SUM(A1:A9)" }),
    () => ({ formula: "B2", result: nastyText(r, 10) }),
    () => ({ error: r.pick(["#N/A", "#DIV/0!", "#VALUE!"]) as ExcelJS.CellErrorValue["error"] }),
    () => ({ richText: [{ text: "市" }, { text: "发改委", font: { bold: true } }] }),
    () => ({ text: nastyText(r, 10), hyperlink: "http://evil.example/" }),
    () => r.pick(NASTY.markdown),
    () => r.pick(UNITS),
    () => null,
  ])();
}

interface Generated {
  buffer: Buffer | Uint8Array;
  /** Excel row numbers that were built to be wrong, with the column broken and its value. */
  badRows: Map<number, string>;
  rows: number;
}

async function workbook(r: Random, index: number): Promise<Generated> {
  if (r.chance(0.05)) {
    const garbage = r.pick([Buffer.alloc(0), Buffer.from("类型,届次\n提案,x"), Buffer.from(nastyText(r, 500))]);
    return { buffer: garbage, badRows: new Map([[0, "not a workbook"]]), rows: 0 };
  }
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet(r.pick(["清单", "Sheet1", "交办 清单（2024）"]));
  if (r.chance(0.3)) sheet.addRow(["2024年交办清单"]);
  if (r.chance(0.2)) sheet.mergeCells(1, 1, 1, 6);
  const header: string[] = [...CASE_LIST_COLUMNS].sort(() => r.next() - 0.5);
  if (r.chance(0.1)) header.push(r.pick(header)); // a column twice: the first one counts
  if (r.chance(0.1)) header.push("备注", nastyText(r, 10));
  sheet.addRow(header.map((h) => (r.chance(0.05) ? `${h}*` : h)));
  const headerRow = sheet.rowCount;
  /** Excel row → the column broken in it. */
  const broken = new Map<number, string>();
  const count = r.int(3, 25);
  for (let i = 0; i < count; i++) {
    const n = index * 1000 + i;
    const row = goodRow(n);
    const excelRow = sheet.rowCount + 1;
    if (i === 0 || r.chance(0.4)) {
      const [column, value] = r.pick(BREAKERS);
      row[column] = value(r);
      broken.set(excelRow, `${column} = ${JSON.stringify(row[column])?.slice(0, 60)}`);
    } else {
      for (let j = r.int(0, 3); j > 0; j--) row[r.pick(header)] = junk(r);
    }
    sheet.addRow(header.map((h) => row[h] ?? null));
  }
  if (r.chance(0.3)) {
    // A merged block down a units column, as offices do for several cases with the same unit.
    const col = header.indexOf("主办单位") + 1;
    const first = headerRow + 1 + r.int(0, Math.max(0, count - 3));
    const last = Math.min(first + 2, sheet.rowCount);
    sheet.mergeCells(first, col, last, col);
    // The merged rows below the first now read the first one's unit: one broken there may be mended.
    for (let row = first + 1; row <= last; row++) if (broken.get(row)?.startsWith("主办单位")) broken.delete(row);
  }
  return { buffer: Buffer.from(await wb.xlsx.writeBuffer()), badRows: broken, rows: count };
}

describe("fuzz: malformed 交办清单 spreadsheets", () => {
  it(`reports every problem of ${WORKBOOKS} malformed workbooks by row and writes nothing`, async () => {
    const r = seededRandom("spreadsheets");
    const db = database.db;
    const take = snapshotter(db, await recordTables(db));
    const before = await take();
    const failures: string[] = [];
    let rows = 0;
    for (let i = 0; i < WORKBOOKS; i++) {
      const generated = await workbook(r, i);
      rows += generated.rows;
      const what = `workbook #${i}`;
      let result: Awaited<ReturnType<typeof importCaseList>>;
      try {
        result = await importCaseList(db, generated.buffer, { dryRun: r.chance(0.2) });
      } catch (error) {
        failures.push(`${what}: threw ${String(error)}`);
        continue;
      }
      const reported = new Set(result.problems.map((p) => p.row));
      for (const [row, why] of generated.badRows)
        if (!reported.has(row)) failures.push(`${what}: row ${row} (${why}) was wrong but not reported`);
      for (const p of result.problems) {
        if (!/\p{Script=Han}/u.test(p.message) || typeof p.row !== "number")
          failures.push(`${what}: unclear problem ${JSON.stringify(p)}`);
      }
    }
    console.log(`[fuzz] spreadsheets: ${WORKBOOKS} workbooks, ${rows} generated rows`);
    expect(failures).toEqual([]);
    expect(changes(before, await take()).tables).toEqual([]);
  }, 120_000);

  it("imports hostile titles and proposers, and 查 shows them inert, with mobile numbers masked in a group", async () => {
    const r = seededRandom("spreadsheet texts");
    const db = database.db;
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet("清单");
    sheet.addRow([...CASE_LIST_COLUMNS]);
    const numbers: string[] = [];
    for (let i = 0; i < 20; i++) {
      const row = goodRow(50_000 + i);
      row.标题 = `关于${r.pick(NASTY.markdown)}${nastyText(r, 30)}的提案`;
      row.提出人 = `${r.pick(NASTY.markdown)}（13812345678）、李某 139-1234-5678`;
      numbers.push(String(row.编号));
      sheet.addRow(CASE_LIST_COLUMNS.map((c) => row[c] ?? null));
    }
    const result = await importCaseList(db, Buffer.from(await wb.xlsx.writeBuffer()));
    expect(result.problems).toEqual([]);
    const pipeline = createPipeline({ db, answer: (m) => answerMessage(db, m, { today: () => "2024-03-15" }) });
    const failures: string[] = [];
    for (const n of numbers) {
      const message = { transport: "long-connection" as const, chatType: "group" as const, chatId: "chat-fgw" };
      const answer = await pipeline.receive({
        ...message,
        msgid: `sheet-${r.seed}-${n}`,
        userid: "zhangwei",
        text: `查 ${n}`,
      });
      if (!answer?.includes("138****5678") || /1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}/.test(answer))
        failures.push(`${n}: mobile numbers not masked: ${answer}`);
      for (const problem of injectionProblems(answer ?? "")) failures.push(`${n}: ${problem}`);
    }
    expect(failures).toEqual([]);
  });

  it("skips 100,000 empty rows and imports the one real row after them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "casebot-fuzz-"));
    const path = join(dir, "empty-rows.xlsx");
    try {
      // Streamed, as a big file would be written; the rows exist in the file (a border, blank strings) but hold nothing.
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true });
      const sheet = wb.addWorksheet("清单");
      sheet.addRow([...CASE_LIST_COLUMNS]).commit();
      for (let i = 0; i < 100_000; i++) {
        const row = sheet.addRow(i % 2 ? ["", "", " "] : [null]);
        if (i % 2 === 0) row.getCell(1).border = { top: { style: "thin" } };
        row.commit();
      }
      const row = goodRow(99_999);
      sheet.addRow(CASE_LIST_COLUMNS.map((c) => row[c] ?? null)).commit();
      sheet.commit();
      await wb.commit();
      const result = await importCaseList(database.db, path);
      expect(result.problems).toEqual([]);
      expect(result.created).toBe(1);
      const stored = await database.db.case.findFirstOrThrow({ where: { number: "99999" } });
      expect(stored.title).toBe("关于第99999号事项的提案");
      console.log("[fuzz] spreadsheets: 100,000 empty rows skipped, 1 row imported");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
