// The real `casebot` command as an operator runs it: a child process, its exit code and what it prints.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/postgres.ts";

const BIN = fileURLToPath(new URL("../bin/casebot.js", import.meta.url));

let database: TestDatabase;
let dir: string;

function casebot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return casebotWith({ DATABASE_URL: database.url }, ...args);
}

function casebotWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const { DATABASE_URL: _, ...rest } = process.env;
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, env: { ...rest, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function caseList(name: string, rows: string[][]): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("交办清单");
  sheet.addRow(["类型", "届次", "编号", "标题", "主办单位", "会办单位", "交办日期"]);
  for (const row of rows) sheet.addRow(row);
  const path = join(dir, name);
  await workbook.xlsx.writeFile(path);
  return path;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "casebot-cli-"));
  await database.db.unit.createMany({
    data: [{ name: "市发展改革委", aliases: ["市发改委"] }, { name: "市教育局" }, { name: "市财政局" }],
  });
});

afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("casebot", () => {
  it("says in Chinese that the embedded database is in use by a running bot, and changes nothing", async () => {
    const { startEmbeddedDatabase } = await import("../db/embedded.ts");
    const dataDir = join(dir, "busy");
    const running = await startEmbeddedDatabase(join(dataDir, "pglite"));
    try {
      const result = await casebotWith({ DATA_DIR: dataDir }, "export", join(dir, "busy.xlsx"));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`正被进程 ${process.pid}（通常是 npm start）使用：请先停止它再运行`);
    } finally {
      await running.stop();
    }
  });

  it("template writes the 交办清单 template", async () => {
    const result = await casebot("template", "模板.xlsx");
    expect(result).toMatchObject({ code: 0, stdout: "已生成交办清单模板：模板.xlsx\n" });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(dir, "模板.xlsx"));
    expect(workbook.worksheets[0]?.getRow(2).getCell(3).value).toBe("205");
  });

  it("import --dry-run of a bad list exits 1 and prints each problem with its row, in Chinese", async () => {
    const path = await caseList("bad.xlsx", [
      ["提案", "市政协五届二次会议", "0001", "关于甲的提案", "市发改局", "市教育局", "2023-03-31"],
      ["提案", "市政协五届二次会议", "0002", "关于乙的提案", "市财政局", "", "2023-13-01"],
    ]);
    const result = await casebot("import", path, "--dry-run");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("第2行 主办单位：未知单位「市发改局」，您是不是要找：市发展改革委（市发改委）？\n");
    expect(result.stdout).toContain("第3行 交办日期：交办日期「2023-13-01」这一天不存在，请检查月份和日期");
    expect(result.stdout).toContain("发现 2 个问题，未导入任何数据。");
    expect(await database.db.case.count()).toBe(0);
  });

  it("import of a good list: the dry run writes nothing, the import creates the cases, a repeat changes nothing", async () => {
    const path = await caseList("good.xlsx", [
      ["提案", "市政协五届二次会议", "0001", "关于甲的提案", "市发改委", "市教育局", "2023-03-31"],
      ["提案", "市政协五届二次会议", "0002", "关于乙的提案", "市财政局", "", "2023/3/31"],
    ]);
    const dry = await casebot("import", path, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("试运行（未写入任何数据）：共 2 件：新建 2 件");
    expect(dry.stdout).toContain("  新建 市政协五届二次会议第0001号提案：市发展改革委（主办）、市教育局（会办）\n");
    expect(await database.db.case.count()).toBe(0);

    const real = await casebot("import", path);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain("导入完成：共 2 件：新建 2 件，更新 0 件，未变 0 件；承办单位新增 3 个");
    expect(await database.db.case.count()).toBe(2);

    const again = await casebot("import", path);
    expect(again.stdout).toContain("新建 0 件，更新 0 件，未变 2 件");
    expect(await database.db.case.count()).toBe(2);

    // A changed list: the dry run names each change before anyone commits to it.
    const changed = await caseList("changed.xlsx", [
      ["提案", "市政协五届二次会议", "0001", "关于甲的提案（修改）", "市教育局", "市发改委", "2023-03-31"],
      ["提案", "市政协五届二次会议", "0002", "关于乙的提案", "市财政局", "", "2023/3/31"],
    ]);
    const preview = await casebot("import", changed, "--dry-run");
    expect(preview.stdout.split("\n").filter((l) => l.startsWith("  "))).toEqual([
      "  更新 市政协五届二次会议第0001号提案：标题",
      "  调整 市政协五届二次会议第0001号提案：市发展改革委 主办 → 会办",
      "  调整 市政协五届二次会议第0001号提案：市教育局 会办 → 主办",
    ]);

    const exported = await casebot("export", "台账.xlsx");
    expect(exported).toMatchObject({ code: 0, stdout: "已导出台账：台账.xlsx（3 行）\n" });
  }, 60_000); // four runs of the real command, each starting Node and tsx

  it("usage errors exit 2 with the help text", async () => {
    const unknown = await casebot("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("未知命令「frobnicate」");
    expect((await casebot("import")).code).toBe(2);
    expect((await casebot("units", "export", "x.xlsx")).code).toBe(2);
    const help = await casebot("help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("members import");
  });

  it("sets a bound group's own webhook, keeps its key out of what it prints, and refuses a bad address", async () => {
    const { db } = database;
    const unit = await db.unit.findFirstOrThrow({ where: { name: "市教育局" } });
    await db.groupChat.create({ data: { chatId: "wr-edu", name: "教育局办理群", unitId: unit.id } });
    const url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key-123";
    const set = await casebot("groups", "webhook", "wr-edu", url);
    expect(set).toMatchObject({ code: 0, stdout: "已设置群 wr-edu 的消息推送地址，之后该群的通知由它发送。\n" });
    expect((await db.groupChat.findUniqueOrThrow({ where: { chatId: "wr-edu" } })).webhookUrl).toBe(url);
    const listed = await casebot("groups");
    expect(listed.stdout).toContain(
      "wr-edu\t教育局办理群\t市教育局\thttps://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***",
    );
    expect(listed.stdout).not.toContain("secret-key-123");
    const event = await db.event.findFirstOrThrow({ where: { action: "group.webhook_set" } });
    expect(JSON.stringify([event.before, event.after])).not.toContain("secret-key-123");

    const bad = await casebot("groups", "webhook", "wr-edu", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("webhook 地址无效：缺少 key=…");
    const missing = await casebot("groups", "webhook", "no-such-chat", url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("没有群「no-such-chat」");
    expect((await db.groupChat.findUniqueOrThrow({ where: { chatId: "wr-edu" } })).webhookUrl).toBe(url);

    expect((await casebot("groups", "webhook", "wr-edu", "clear")).code).toBe(0);
    expect((await db.groupChat.findUniqueOrThrow({ where: { chatId: "wr-edu" } })).webhookUrl).toBeNull();
  }, 60_000);
});
