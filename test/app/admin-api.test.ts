// The admin API over real HTTP against a real database: off without ADMIN_TOKEN, refused without the token, and with
// it the 交办清单 import (dry run, problems as 422 with nothing written, the real import with its notices), the 台账
// download, and a group's own webhook.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApiRoutes } from "../../app/admin-api.ts";
import { createAdminGuard } from "../../app/admin-auth.ts";
import { startHttp } from "../../app/http.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const TOKEN = "admin-api-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };

let database: TestDatabase;
const servers: Server[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.unit.createMany({ data: [{ name: "市发展改革委", aliases: ["市发改委"] }, { name: "市教育局" }] });
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await database?.drop();
});

async function serve(token: string | undefined): Promise<string> {
  const guard = token ? createAdminGuard(token) : undefined;
  const server = await startHttp({
    port: 0,
    host: "127.0.0.1",
    checks: {},
    routes: adminApiRoutes({ db: database.db, guard }),
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function caseList(rows: string[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("交办清单");
  sheet.addRow(["类型", "届次", "编号", "标题", "主办单位", "会办单位", "交办日期"]);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field.
const json = async (res: Response): Promise<any> => res.json();
const importUrl = (base: string, query = "") => `${base}/admin/api/import${query}`;

describe("admin API", () => {
  it("is off without ADMIN_TOKEN and refuses a missing or wrong token, changing nothing", async () => {
    const off = await serve(undefined);
    const res = await fetch(`${off}/admin/api/groups`, { headers: auth });
    expect(res.status).toBe(404);
    expect((await json(res)).error).toContain("设置 ADMIN_TOKEN");

    const on = await serve(TOKEN);
    const file = await caseList([
      ["提案", "市政协五届二次会议", "205", "关于招商引资的提案", "市发改委", "", "2024-03-01"],
    ]);
    const wrong: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token-0123456789" },
      { authorization: TOKEN },
    ];
    for (const headers of wrong) {
      const refused = await fetch(importUrl(on), { method: "POST", headers, body: file });
      expect(refused.status).toBe(401);
    }
    expect(await database.db.case.count()).toBe(0);
  });

  it("imports a 交办清单: dry run first, every problem at once with nothing written, then for real", async () => {
    const base = await serve(TOKEN);
    const bad = await caseList([
      ["提案", "市政协五届二次会议", "205", "关于招商引资的提案", "市发改局", "", "2024-03-01"],
      ["提案", "市政协五届二次会议", "206", "关于职业教育的提案", "市教育局", "", "2024-02-30"],
    ]);
    const refused = await fetch(importUrl(base), { method: "POST", headers: auth, body: bad });
    expect(refused.status).toBe(422);
    const problems = (await json(refused)).problems as { row: number; column: string; message: string }[];
    expect(problems.map((p) => [p.row, p.column])).toEqual([
      [2, "主办单位"],
      [3, "交办日期"],
    ]);
    expect(problems[0]?.message).toContain("您是不是要找：市发展改革委");
    expect(await database.db.case.count()).toBe(0);

    const good = await caseList([
      ["提案", "市政协五届二次会议", "205", "关于招商引资的提案", "市发改委", "市教育局", "2024-03-01"],
    ]);
    const dry = await fetch(importUrl(base, "?dryRun=1"), { method: "POST", headers: auth, body: good });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ dryRun: true, created: 1, assignmentsAdded: 2 });
    expect(await database.db.case.count()).toBe(0);

    const real = await fetch(importUrl(base, "?name=第一批.xlsx"), { method: "POST", headers: auth, body: good });
    expect(await real.json()).toMatchObject({ dryRun: false, created: 1, assignmentsAdded: 2 });
    expect(await database.db.case.count()).toBe(1);
    expect(await database.db.outbox.count({ where: { kind: "ASSIGNED" } })).toBe(2);
    const event = await database.db.event.findFirstOrThrow({ where: { action: "case.created" } });
    expect(event.actorLabel).toBe("管理接口导入（第一批.xlsx）");
  });

  it("answers a body that is not a workbook, an empty one and an oversized one with a clear 4xx", async () => {
    const base = await serve(TOKEN);
    const notXlsx = await fetch(importUrl(base), { method: "POST", headers: auth, body: "类型,届次\n提案,x" });
    expect(notXlsx.status).toBe(422);
    expect(JSON.stringify(await notXlsx.json())).toContain("不是有效的 Excel 工作簿");
    expect((await fetch(importUrl(base), { method: "POST", headers: auth })).status).toBe(400);
    const huge = await fetch(importUrl(base), {
      method: "POST",
      headers: auth,
      body: Buffer.alloc(21 * 1024 * 1024),
    }).catch(() => null);
    // The server answers 413 from the declared length; a client may also see the connection cut.
    if (huge) expect(huge.status).toBe(413);
  });

  it("downloads the 台账 as a workbook", async () => {
    const base = await serve(TOKEN);
    const res = await fetch(`${base}/admin/api/export`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("spreadsheetml");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await res.arrayBuffer());
    const sheet = workbook.getWorksheet("台账");
    expect(sheet?.rowCount).toBe(1 + (await database.db.assignment.count()));
  });

  it("lists groups and sets, refuses and clears a group's own webhook", async () => {
    const base = await serve(TOKEN);
    const unit = await database.db.unit.findFirstOrThrow({ where: { name: "市教育局" } });
    await database.db.groupChat.create({ data: { chatId: "wr/edu", unitId: unit.id } });
    const put = (chatId: string, body: string) =>
      fetch(`${base}/admin/api/groups/${encodeURIComponent(chatId)}/webhook`, { method: "PUT", headers: auth, body });
    const url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=group-secret-1";
    expect(await (await put("wr/edu", JSON.stringify({ url }))).json()).toEqual({ status: "set" });
    const listed = await (await fetch(`${base}/admin/api/groups`, { headers: auth })).text();
    expect(listed).toContain('"boundTo":"市教育局"');
    expect(listed).not.toContain("group-secret-1");

    expect((await put("wr/edu", JSON.stringify({ url: "ftp://x?key=1" }))).status).toBe(400);
    expect((await put("wr/edu", "not json")).status).toBe(400);
    expect((await put("nobody", JSON.stringify({ url }))).status).toBe(404);
    const stored = await database.db.groupChat.findUniqueOrThrow({ where: { chatId: "wr/edu" } });
    expect(stored.webhookUrl).toBe(url);
    expect(await (await put("wr/edu", JSON.stringify({ url: null }))).json()).toEqual({ status: "cleared" });
  });
});
