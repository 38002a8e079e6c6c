// Units and members from the office's spreadsheets, against a real database: created once, updated in place,
// every problem reported by row with nothing written, unknown units answered with the names that were meant.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importMembers, importUnits } from "../../casework/import-people.ts";
import { closestNames } from "../../casework/suggest.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let dir: string;
let files = 0;

async function sheet(header: string[], rows: (string | number)[][]): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const ws = workbook.addWorksheet("名单");
  ws.addRow(header);
  for (const row of rows) ws.addRow(row);
  const path = join(dir, `people-${++files}.xlsx`);
  await workbook.xlsx.writeFile(path);
  return path;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "casebot-people-"));
});

afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("closestNames", () => {
  const units = ["市发展改革委", "市发改委", "市教育局", "市财政局", "市卫生健康委", "市卫健委"];

  it("suggests what was meant, not every name that shares 市…局", () => {
    expect(closestNames("市发改局", units)).toEqual(["市发改委"]);
    expect(closestNames("市卫建委", units)).toEqual(["市卫健委"]);
    expect(closestNames("教育局", units)).toEqual(["市教育局"]);
    expect(closestNames("　市 财政 局", units)).toEqual(["市财政局"]);
  });

  it("suggests nothing for a name unlike any other, and works for any words (commands too)", () => {
    expect(closestNames("县公安局交警大队", units)).toEqual([]);
    expect(closestNames("帮组", ["帮助", "查", "我的", "统计"])).toEqual(["帮助"]);
    expect(closestNames("", units)).toEqual([]);
  });
});

describe("importUnits", () => {
  it("creates units with their aliases, merging a unit listed twice; spaces do not matter", async () => {
    const path = await sheet(
      ["序号", "单位", "简称"],
      [
        [1, "市发展改革委", "市发改委"],
        [2, "　市教育局 ", ""],
        [3, "市卫生健康委", "市卫健委、 市卫计委"],
        [4, "市发展改革委", "市发改"],
      ],
    );
    expect(await importUnits(database.db, path)).toEqual({ problems: [], created: 3, updated: 0, unchanged: 0 });
    const units = await database.db.unit.findMany({ orderBy: { id: "asc" }, select: { name: true, aliases: true } });
    expect(units).toEqual([
      { name: "市发展改革委", aliases: ["市发改委", "市发改"] },
      { name: "市教育局", aliases: [] },
      { name: "市卫生健康委", aliases: ["市卫健委", "市卫计委"] },
    ]);
    expect(await database.db.event.count({ where: { action: "unit.created" } })).toBe(3);
  });

  it("re-importing adds new aliases to known units and leaves the rest alone", async () => {
    const path = await sheet(
      ["单位", "简称"],
      [
        ["市发展改革委", "市发改委"],
        ["市教育局", "市教委"],
        ["市财政局", ""],
      ],
    );
    expect(await importUnits(database.db, path)).toEqual({ problems: [], created: 1, updated: 1, unchanged: 1 });
    const education = await database.db.unit.findUniqueOrThrow({ where: { name: "市教育局" } });
    expect(education.aliases).toEqual(["市教委"]);
    const growth = await database.db.unit.findUniqueOrThrow({ where: { name: "市发展改革委" } });
    expect(growth.aliases).toEqual(["市发改委", "市发改"]); // kept, not replaced
  });

  it("refuses an alias that already names another unit, and a short name used as a full name; writes nothing", async () => {
    const before = await database.db.unit.count();
    const path = await sheet(
      ["单位", "简称"],
      [
        ["市交通运输局", "市交通局"],
        ["市住房和城乡建设局", "市发改委"],
        ["市卫健委", ""],
      ],
    );
    const result = await importUnits(database.db, path);
    expect(result.problems).toEqual([
      { row: 3, column: "简称", message: "简称「市发改委」已属于「市发展改革委」，同一简称不能指向两个单位" },
      { row: 4, column: "单位", message: "「市卫健委」已是「市卫生健康委」的简称，请写全称「市卫生健康委」" },
    ]);
    expect(await database.db.unit.count()).toBe(before);
  });
});

describe("importMembers", () => {
  const header = ["姓名", "企业微信ID", "单位", "角色", "手机"];

  it("creates people by 企业微信ID, with units by full name or alias and roles in Chinese or English", async () => {
    const path = await sheet(header, [
      ["张伟", "zhangwei", "市政府督查室", "督办", ""],
      ["李娜", "lina", "市发改委", "联络员", "138 0013 8000"],
      ["王芳", "wangfang", "市教育局", "handler", ""],
      ["赵强", "zhaoqiang", "", "领导", ""],
    ]);
    const bad = await importMembers(database.db, path);
    expect(bad.problems).toHaveLength(1); // 市政府督查室 is not a unit yet
    expect(bad.problems[0]).toMatchObject({ row: 2, column: "单位" });
    expect(await database.db.person.count()).toBe(0);

    await database.db.unit.create({ data: { name: "市政府督查室", isOffice: true } });
    expect(await importMembers(database.db, path)).toEqual({ problems: [], created: 4, updated: 0, unchanged: 0 });
    const lina = await database.db.person.findUniqueOrThrow({ where: { userid: "lina" }, include: { unit: true } });
    expect([lina.name, lina.role, lina.unit?.name, lina.mobile]).toEqual([
      "李娜",
      "liaison",
      "市发展改革委",
      "13800138000",
    ]);
    const zhao = await database.db.person.findUniqueOrThrow({ where: { userid: "zhaoqiang" } });
    expect([zhao.role, zhao.unitId]).toEqual(["leader", null]);
  });

  it("re-importing updates by 企业微信ID and keeps unchanged people as they are", async () => {
    const path = await sheet(header, [
      ["张伟", "zhangwei", "市政府督查室", "admin", ""],
      ["李娜", "lina", "市卫健委", "承办人", ""],
      ["陈静", "", "市财政局", "联络员", ""],
    ]);
    expect(await importMembers(database.db, path)).toEqual({ problems: [], created: 1, updated: 1, unchanged: 1 });
    const lina = await database.db.person.findUniqueOrThrow({ where: { userid: "lina" }, include: { unit: true } });
    expect([lina.role, lina.unit?.name, lina.mobile]).toEqual(["handler", "市卫生健康委", "13800138000"]);
    const update = await database.db.event.findFirstOrThrow({ where: { action: "person.updated" } });
    expect(update.before).toMatchObject({ role: "liaison" });
    expect(update.after).toMatchObject({ role: "handler" });
    // Without an ID, the same name in the same unit is the same person; a later ID binds them.
    const again = await sheet(header, [["陈静", "chenjing", "市财政局", "联络员", ""]]);
    expect(await importMembers(database.db, again)).toMatchObject({ created: 0, updated: 1 });
    expect(await database.db.person.count({ where: { name: "陈静" } })).toBe(1);
  });

  it("reports every bad row at once — unknown unit with suggestions, role, duplicate ID, missing unit — and writes nothing", async () => {
    const before = await database.db.person.count();
    const path = await sheet(header, [
      ["周敏", "zhoumin", "市发改局", "联络员", ""],
      ["吴杰", "wujie", "市教育局", "秘书", ""],
      ["郑涛", "zhoumin", "市教育局", "承办人", ""],
      ["孙丽", "sunli", "", "承办人", "12ab"],
    ]);
    const result = await importMembers(database.db, path);
    expect(result.problems).toEqual([
      { row: 2, column: "单位", message: "未知单位「市发改局」，您是不是要找：市发展改革委（市发改委、市发改）？" },
      { row: 3, column: "角色", message: expect.stringContaining("角色「秘书」无法识别") },
      { row: 4, column: "企业微信ID", message: "企业微信ID「zhoumin」与第2行重复" },
      { row: 5, column: "单位", message: "承办人必须填写所在单位" },
      { row: 5, column: "手机", message: "手机号码「12ab」格式不对" },
    ]);
    expect(await database.db.person.count()).toBe(before);
  });
});
