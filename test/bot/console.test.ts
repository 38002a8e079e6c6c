// The local console end to end: demo data in a real database, the real pipeline and commands behind startHttp, and
// the page driven in Debian's Chromium — typing, the bot's answer, a pushed notice arriving live, and hostile text
// staying text.
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttp } from "../../app/http.ts";
import { CONSOLE_MAX_TEXT, createConsole, type LocalConsole } from "../../bot/console.ts";
import { createPipeline } from "../../bot/pipeline.ts";
import { loadDemoData } from "../../casework/demo-data.ts";
import { answerMessage } from "../../commands/index.ts";
import { todayIn } from "../../domain/calendar.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const CHROMIUM = "/usr/bin/chromium";
const chromiumFound = existsSync(CHROMIUM);
if (!chromiumFound) {
  console.warn(`console.test.ts: ${CHROMIUM} is missing, so the browser tests are SKIPPED (apt-get install chromium).`);
}
const GROUP = "demo-office-group";

let database: TestDatabase;
let server: Server;
let localConsole: LocalConsole;
let base: string;
let browser: Browser | undefined;
let members: { userid: string; name: string }[];

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  await loadDemoData(db, { today: todayIn("Asia/Shanghai") });
  const people = await db.person.findMany({ where: { userid: { not: null }, active: true }, orderBy: { id: "asc" } });
  members = people.slice(0, 2).map((p) => ({ userid: p.userid as string, name: p.name }));
  const pipeline = createPipeline({ db, answer: (m) => answerMessage(db, m) });
  localConsole = createConsole({ db, pipeline });
  server = await startHttp({ port: 0, host: "127.0.0.1", checks: {}, routes: localConsole.routes });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (chromiumFound) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }
});

afterAll(async () => {
  await browser?.close();
  localConsole?.close();
  await new Promise((resolve) => server?.close(resolve));
  await database?.drop();
});

async function openPage(userid: string): Promise<Page> {
  const page = await (browser as Browser).newPage({ viewport: { width: 1200, height: 760 }, locale: "zh-CN" });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(base);
  await page.waitForSelector("body[data-ready=true]");
  await page.selectOption("#me", userid);
  await page.waitForSelector(".status:text('已连接')");
  expect(errors).toEqual([]);
  return page;
}

async function typeAndSend(page: Page, text: string): Promise<void> {
  await page.fill("#input", text);
  await page.press("#input", "Enter");
}

function post(body: string): Promise<Response> {
  return fetch(`${base}/console/messages`, { method: "POST", headers: { "content-type": "application/json" }, body });
}

describe("the local console", () => {
  it("lists the members and the bound group chats", async () => {
    const res = await fetch(`${base}/console/members`);
    const body = (await res.json()) as { bot: { name: string }; members: unknown[]; chats: { chatId: string }[] };
    expect(body.bot.name).toBe("督办助手");
    expect(body.members).toContainEqual(expect.objectContaining({ userid: members[0]?.userid }));
    expect(body.chats.map((c) => c.chatId)).toContain(GROUP);
  });

  it("refuses an unknown member, bad JSON and an over-long text, in Chinese", async () => {
    const unknown = await post(JSON.stringify({ userid: "nobody-here", chatId: GROUP, text: "/帮助" }));
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toContain("不认识的成员「nobody-here」");
    expect((await post("{not json")).status).toBe(400);
    const long = await post(JSON.stringify({ userid: members[0]?.userid, chatId: GROUP, text: "字".repeat(4001) }));
    expect(long.status).toBe(413);
    expect(((await long.json()) as { error: string }).error).toContain(`最多 ${CONSOLE_MAX_TEXT} 字`);
  });

  it("answers a single-chat message through the pipeline, recorded as a console message", async () => {
    const [me] = members;
    const res = await post(JSON.stringify({ userid: me?.userid, chatId: null, text: "help" }));
    const body = (await res.json()) as { msgid: string; answer: string };
    expect(body.answer).toContain("督办助手可用命令");
    const row = await database.db.inboundMessage.findUniqueOrThrow({ where: { msgid: body.msgid } });
    expect(row).toMatchObject({ transport: "console", userid: me?.userid, chatId: null });
    expect(row.answeredAt).not.toBeNull();
  });

  it.skipIf(!chromiumFound)("shows the bot's answer to /帮助 typed in the page, on every open page", async () => {
    const [me, other] = members as [{ userid: string; name: string }, { userid: string; name: string }];
    const page = await openPage(me.userid);
    const watcher = await openPage(other.userid);
    await typeAndSend(page, "/帮助");
    const answer = page.locator(".msg[data-type=answer]", { hasText: "督办助手可用命令" }).last();
    await answer.waitFor();
    expect(await answer.locator("li strong", { hasText: "帮助" }).count()).toBeGreaterThan(0);
    // The typed line is shown as WeCom delivers it in a group, from the member who typed it.
    const typed = page.locator(".msg.self[data-type=message]").last();
    expect(await typed.textContent()).toContain(`@督办助手 /帮助`);
    expect(await typed.locator(".name").textContent()).toBe(me.name);
    // A second page, as someone else, sees the same conversation live.
    await watcher.locator(".msg[data-type=answer]", { hasText: "督办助手可用命令" }).last().waitFor();
    expect(await watcher.locator(".msg[data-type=message]:not(.self) .name").last().textContent()).toBe(me.name);
    await watcher.close();
    await page.close();
  });

  it.skipIf(!chromiumFound)("shows a pushed notice live, with its mention as @Name", async () => {
    const [me, other] = members as [{ userid: string; name: string }, { userid: string; name: string }];
    const page = await openPage(me.userid);
    // The page replays the earlier conversation: ask something whose answer is not in it yet.
    await typeAndSend(page, "@督办助手 /帮助 查");
    await page.locator(".msg[data-type=answer]", { hasText: "用法：" }).waitFor();
    const markdown =
      "**交办通知**\n> 第0484号建议《关于加强老旧小区改造的建议》已交办\n" +
      `请 <@${other.userid}> 于 <font color="warning">3个工作日内</font> 签收`;
    await localConsole.channel.push({ chatId: GROUP, markdown });
    const notice = page.locator(".msg[data-type=notice]", { hasText: "交办通知" }).last();
    await notice.waitFor();
    expect(await notice.locator("strong").first().textContent()).toBe("交办通知");
    expect(await notice.locator(".mention").textContent()).toBe(`@${other.name}`);
    expect(await notice.locator(".font-warning").textContent()).toBe("3个工作日内");
    expect(await notice.textContent()).not.toContain("<@");
    // The rest of WeCom's subset: heading, numbered list, inline code, a web link.
    const digest =
      "### 本周临期\n1. 第0484号建议\n2. 第0211号提案\n发送 `临期` 查看，或打开[台账](https://example.invalid/ledger)";
    await localConsole.channel.push({ chatId: GROUP, markdown: digest });
    const last = page.locator(".msg[data-type=notice]", { hasText: "本周临期" }).last();
    await last.waitFor();
    expect(await last.locator("h3").textContent()).toBe("本周临期");
    expect(await last.locator("ol li").allTextContents()).toEqual(["第0484号建议", "第0211号提案"]);
    expect(await last.locator("code").textContent()).toBe("临期");
    expect(await last.locator("a").getAttribute("href")).toBe("https://example.invalid/ledger");
    await page.close();
  });

  it.skipIf(!chromiumFound)("shows <script> and <img onerror> as text, creating no element", async () => {
    const [me] = members as [{ userid: string; name: string }];
    const page = await openPage(me.userid);
    const hostile = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> **粗** [x](javascript:alert(1))`;
    await typeAndSend(page, hostile);
    // The bot echoes the unknown command word back in Markdown: that path must stay text too.
    await page.locator(".msg[data-type=answer]", { hasText: "＜script＞" }).last().waitFor();
    await localConsole.channel.push({ chatId: GROUP, markdown: `**注意** ${hostile}` });
    await page.locator(".msg[data-type=notice]", { hasText: "注意" }).last().waitFor();
    const messages = page.locator("#messages");
    expect(await messages.locator("script, img, iframe, [onerror]").count()).toBe(0);
    expect(await messages.locator("a[href^=javascript]").count()).toBe(0);
    expect(await page.locator(".msg[data-type=message]").last().textContent()).toContain('<img src=x onerror="');
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    await page.close();
  });
});
