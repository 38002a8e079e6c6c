// `casebot <command>`: the office's spreadsheets in and out. Exit codes: 0 done, 1 problems found (nothing written)
// or a failure, 2 a usage error.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
// Only types here: the heavy modules (exceljs, the Prisma client) load when a command needs them, so help is instant.
import type { Problem } from "../casework/import-people.ts";
import type { Db } from "../db/client.ts";

const HELP = `用法：casebot <命令> [参数]

  import <交办清单.xlsx> [--dry-run]   导入交办清单；--dry-run 只检查并报告将发生的变化，不写入
  export <台账.xlsx>                   导出台账（每个承办单位一行）
  template <交办清单.xlsx>             生成空白交办清单模板（含一行示例）
  units import <单位.xlsx>             导入单位：列「单位」「简称」（多个简称用、分隔）
  members import <成员.xlsx>           导入成员：列「姓名」「企业微信ID」「单位」「角色」，可选「手机」
  groups                               列出已绑定的群（群ID、绑定单位、消息推送地址）
  groups webhook <群ID> <地址|clear>   设置（或清除）该群自己的消息推送 webhook 地址
  help                                 显示本说明

数据库：设置了 DATABASE_URL 就用它，否则使用 DATA_DIR（默认 ./data）下的内置数据库。
退出码：0 成功；1 发现问题（未写入任何数据）或运行出错；2 命令用法有误。`;

class UsageError extends Error {}

/** A dry run lists what would change, up to this many lines (a first import of 10,000 cases is a count, not a list). */
const DRY_RUN_LINES = 200;

/** "第12行 主办单位：未知单位「市发改局」，您是不是要找：市发展改革委、市发改委？" */
export function formatProblem(p: Problem): string {
  const where = p.row > 0 ? `第${p.row}行 ` : "";
  return p.column ? `${where}${p.column}：${p.message}` : `${where}${p.message}`;
}

function printProblems(problems: Problem[]): void {
  for (const p of problems) console.log(formatProblem(p));
  console.log(`\n发现 ${problems.length} 个问题，未导入任何数据。请修改后重新导入。`);
}

/** Opens DATABASE_URL, or the embedded database under DATA_DIR (./data) as npm start does (migrated first). */
async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const url = process.env.DATABASE_URL;
  const { createDb } = await import("../db/client.ts");
  if (url) {
    const db = createDb(url, { poolSize: 2 });
    try {
      return await work(db);
    } finally {
      await db.$disconnect();
    }
  }
  // The embedded database exactly as npm start opens it (migrated first).
  const { openDatabase } = await import("../app/database.ts");
  const embedded = await openDatabase({ dataDir: process.env.DATA_DIR?.trim() || "./data" });
  try {
    return await work(embedded.db);
  } finally {
    await embedded.close();
  }
}

function fileArg(positionals: string[], index: number, usage: string): string {
  const file = positionals[index];
  if (!file) throw new UsageError(`缺少文件名。用法：casebot ${usage}`);
  if (positionals.length > index + 1) throw new UsageError(`多余的参数：${positionals.slice(index + 1).join(" ")}`);
  return file;
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const [command, sub] = positionals;
  const dryRun = values["dry-run"] ?? false;
  try {
    if (!command || command === "help" || values.help) {
      console.log(HELP);
      return command && command !== "help" && !values.help ? 2 : 0;
    }
    if (dryRun && command !== "import") throw new UsageError("--dry-run 只用于 import 命令");
    // The same settings npm start uses: .env, and next year's holidays before any deadline is computed.
    const { loadDotEnv } = await import("../app/env.ts");
    loadDotEnv();
    const holidays = process.env.HOLIDAYS_FILE?.trim();
    if (holidays) await (await import("../app/holidays.ts")).loadHolidaysFile(holidays);
    switch (command) {
      case "template": {
        const file = fileArg(positionals, 1, "template <交办清单.xlsx>");
        const { writeTemplate } = await import("../casework/export-ledger.ts");
        await writeTemplate(file);
        console.log(`已生成交办清单模板：${file}`);
        return 0;
      }
      case "export": {
        const file = fileArg(positionals, 1, "export <台账.xlsx>");
        const { exportLedger } = await import("../casework/export-ledger.ts");
        const rows = await withDatabase((db) => exportLedger(db, file));
        console.log(`已导出台账：${file}（${rows} 行）`);
        return 0;
      }
      case "import": {
        const file = fileArg(positionals, 1, "import <交办清单.xlsx> [--dry-run]");
        const { importCaseList } = await import("../casework/import-cases.ts");
        const result = await withDatabase((db) =>
          importCaseList(db, file, { dryRun, actorLabel: `命令行导入（${file}）` }),
        );
        if (result.problems.length > 0) {
          printProblems(result.problems);
          return 1;
        }
        const summary =
          `共 ${result.rows} 件：新建 ${result.created} 件，更新 ${result.updated} 件，未变 ${result.unchanged} 件；` +
          `承办单位新增 ${result.assignmentsAdded} 个，撤回 ${result.assignmentsRemoved} 个，调整 ${result.assignmentsChanged} 个。`;
        console.log(dryRun ? `试运行（未写入任何数据）：${summary}` : `导入完成：${summary}`);
        if (dryRun) {
          const shown = result.changes.slice(0, DRY_RUN_LINES);
          for (const line of shown) console.log(`  ${line}`);
          if (result.changes.length > shown.length) console.log(`  ……另有 ${result.changes.length - shown.length} 项`);
        }
        return 0;
      }
      case "units":
      case "members": {
        if (sub !== "import") throw new UsageError(`用法：casebot ${command} import <文件.xlsx>`);
        const file = fileArg(positionals, 2, `${command} import <文件.xlsx>`);
        const what = command === "units" ? "单位" : "成员";
        const { importMembers, importUnits } = await import("../casework/import-people.ts");
        const result = await withDatabase((db) =>
          command === "units" ? importUnits(db, file) : importMembers(db, file),
        );
        if (result.problems.length > 0) {
          printProblems(result.problems);
          return 1;
        }
        console.log(
          `导入${what}完成：新建 ${result.created} 个，更新 ${result.updated} 个，未变 ${result.unchanged} 个。`,
        );
        return 0;
      }
      case "groups": {
        const { listGroups, setGroupWebhook } = await import("../casework/groups.ts");
        if (!sub) {
          if (positionals.length > 1) throw new UsageError(`多余的参数：${positionals.slice(1).join(" ")}`);
          const groups = await withDatabase(listGroups);
          if (groups.length === 0) console.log("还没有绑定的群：在群里 @督办助手 发送「绑定 <单位>」。");
          for (const g of groups) console.log(`${g.chatId}\t${g.name ?? ""}\t${g.boundTo}\t${g.webhook}`);
          return 0;
        }
        const [, , chatId, url, ...extra] = positionals;
        if (sub !== "webhook" || !chatId || !url || extra.length > 0)
          throw new UsageError("用法：casebot groups webhook <群ID> <地址|clear>");
        const result = await withDatabase((db) => setGroupWebhook(db, chatId, url === "clear" ? null : url));
        switch (result.status) {
          case "invalid":
            console.error(`webhook 地址无效：${result.why}。`);
            return 1;
          case "noGroup":
            console.error(
              `没有群「${chatId}」：先在群里 @督办助手 发送「绑定 <单位>」，再用 casebot groups 查看群ID。`,
            );
            return 1;
          case "cleared":
            console.log(`已清除群 ${chatId} 的消息推送地址，该群的通知改用默认地址（WECOM_WEBHOOK_URL）或长连接。`);
            return 0;
          case "unchanged":
            console.log(`群 ${chatId} 的消息推送地址未变。`);
            return 0;
          default:
            console.log(`已设置群 ${chatId} 的消息推送地址，之后该群的通知由它发送。`);
            return 0;
        }
      }
      default:
        throw new UsageError(`未知命令「${command}」。`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${HELP}`);
      return 2;
    }
    console.error(`出错了：${(error as Error).message}`);
    return 1;
  }
}

// Run when started as a program (bin/casebot.js or `tsx cli/casebot.ts`), not when imported by tests.
function startedAsProgram(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    const real = realpathSync(script);
    return (
      real === fileURLToPath(import.meta.url) || real === fileURLToPath(new URL("../bin/casebot.js", import.meta.url))
    );
  } catch {
    return false;
  }
}

if (startedAsProgram()) {
  process.exitCode = await main(process.argv.slice(2));
}
