// The admin API, behind ADMIN_TOKEN: what the CLI does, for an office that runs casebot on a server it cannot log into.
// Import a 交办清单 (the same checks, the same all-or-nothing, the same outbox notices), download the 台账, list the
// bound groups and set a group's own webhook. Answers are JSON with the problems in Chinese, as the CLI prints them.
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportLedger } from "../casework/export-ledger.ts";
import { listGroups, setGroupWebhook } from "../casework/groups.ts";
import { importCaseList } from "../casework/import-cases.ts";
import type { Db } from "../db/client.ts";
import type { AdminGuard } from "./admin-auth.ts";
import { type Route, readBody, sendJson } from "./http.ts";

export const ADMIN_API_PATH = "/admin/api/";
/** A 交办清单 of 10,000 rows is about 1 MB; room for much larger ones, not for anything. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, rest: string[]) => Promise<void>;

export function adminApiRoutes(options: { db: Db; guard: AdminGuard | undefined; actor?: string }): Route[] {
  const { db, guard } = options;
  const importCases: Handler = async (req, res, url) => {
    const body = await readBody(req, MAX_IMPORT_BYTES);
    if (body === null) return sendJson(res, 413, { error: `文件太大：最多 ${MAX_IMPORT_BYTES / 1024 / 1024} MB。` });
    if (body.length === 0) return sendJson(res, 400, { error: "请在请求体中上传交办清单（.xlsx）。" });
    const dryRun = ["1", "true"].includes(url.searchParams.get("dryRun") ?? "");
    const name = url.searchParams.get("name") ?? "上传的交办清单";
    // A file that is no workbook at all comes back as a problem too (422), like any other row or column.
    const result = await importCaseList(db, body, { dryRun, actorLabel: `管理接口导入（${name.slice(0, 100)}）` });
    sendJson(res, result.problems.length > 0 ? 422 : 200, result);
  };
  const exportCases: Handler = async (_req, res) => {
    const file = join(tmpdir(), `casebot-ledger-${randomUUID()}.xlsx`);
    try {
      await exportLedger(db, file);
      res.writeHead(200, {
        "content-type": XLSX_TYPE,
        "content-length": (await stat(file)).size,
        "content-disposition": `attachment; filename="ledger.xlsx"; filename*=UTF-8''${encodeURIComponent("台账.xlsx")}`,
      });
      await new Promise<void>((resolve, reject) => {
        createReadStream(file).on("error", reject).pipe(res).on("finish", resolve).on("error", reject);
      });
    } finally {
      await rm(file, { force: true });
    }
  };
  const groups: Handler = async (_req, res) => sendJson(res, 200, { groups: await listGroups(db) });
  const groupWebhook: Handler = async (req, res, _url, [chatId]) => {
    const body = await readBody(req, 8 * 1024);
    let url: unknown;
    try {
      url = (JSON.parse(body?.toString("utf8") ?? "") as { url?: unknown }).url;
    } catch {
      url = undefined;
    }
    if (!chatId || (typeof url !== "string" && url !== null))
      return sendJson(res, 400, { error: '请求应为 { "url": "https://…?key=…" }，或 { "url": null } 清除。' });
    const result = await setGroupWebhook(db, chatId, url);
    if (result.status === "invalid") return sendJson(res, 400, { error: `webhook 地址无效：${result.why}。` });
    if (result.status === "noGroup") return sendJson(res, 404, { error: `没有群「${chatId}」：请先在群里绑定。` });
    sendJson(res, 200, { status: result.status });
  };

  const table: { method: Route["method"]; pattern: RegExp; handle: Handler }[] = [
    { method: "POST", pattern: /^import$/, handle: importCases },
    { method: "GET", pattern: /^export$/, handle: exportCases },
    { method: "GET", pattern: /^groups$/, handle: groups },
    { method: "PUT", pattern: /^groups\/([^/]+)\/webhook$/, handle: groupWebhook },
  ];
  const methods = [...new Set(table.map((t) => t.method))];
  return methods.map((method) => ({
    method,
    path: ADMIN_API_PATH,
    prefix: true,
    async handle(req, res, url) {
      if (!guard) {
        return sendJson(res, 404, { error: "管理接口未开启：设置 ADMIN_TOKEN 后重启即可使用。" });
      }
      if (!guard.admit(req, res, url)) return;
      const path = url.pathname.slice(ADMIN_API_PATH.length);
      for (const entry of table) {
        const match = entry.method === method ? entry.pattern.exec(path) : null;
        if (!match) continue;
        let params: string[];
        try {
          params = match.slice(1).map(decodeURIComponent);
        } catch {
          return sendJson(res, 400, { error: "地址中的编码无效。" });
        }
        return entry.handle(req, res, url, params);
      }
      sendJson(res, 404, { error: `没有这个管理接口：${method} ${url.pathname}` });
    },
  }));
}
