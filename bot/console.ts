// The local console: when WeCom is not configured, a web page that looks like the work group lets anyone pick a
// member and talk to the bot. Typed messages go through the same pipeline as WeCom's (msgid dedupe included), and
// pushed notices arrive through a PushChannel, so what the page shows is what WeCom would show.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage as HttpRequest, ServerResponse } from "node:http";
import { type Route, readBody, sendJson } from "../app/http.ts";
import type { Db } from "../db/client.ts";
import type { IncomingMessage, Notice, PushChannel } from "./message.ts";
import type { Pipeline } from "./pipeline.ts";

/** Longest text the console accepts; WeCom's own input allows about this much. */
export const CONSOLE_MAX_TEXT = 4000;
/** Raw request bodies above this are refused before parsing. */
const MAX_BODY_BYTES = 64 * 1024;
/** Events kept so a page opened (or reconnecting) later still sees the recent conversation. */
const HISTORY = 500;
/** A comment line this often keeps idle event streams open through proxies. */
const HEARTBEAT_MS = 25_000;

/** One thing that happened in the console's chats, as sent to the pages over Server-Sent Events. */
export interface ConsoleEvent {
  id: number;
  /** message: typed by a member (plain text); answer: the bot's reply; notice: pushed by the bot (both Markdown). */
  type: "message" | "answer" | "notice";
  /** The group's chatId; null for a single chat (with `peer`), or a notice for an unbound default group. */
  chatId: string | null;
  /** The member whose single chat with the bot this is (single chats only). */
  peer: string | null;
  from: { userid: string | null; name: string; unit: string | null; bot: boolean };
  text: string;
  at: string;
}

export interface ConsoleOptions {
  db: Db;
  pipeline: Pipeline;
  /** The bot's display name, also the @mention added to group messages typed without it. Default 督办助手. */
  botName?: string;
}

export interface LocalConsole {
  routes: Route[];
  /** Pushing a notice shows it as a bot message in that chat (chatId null: the office's group). */
  channel: PushChannel;
  /** Ends the open event streams, so the HTTP server can close (they otherwise keep it open forever). */
  close(): void;
}

const ROLE_NAMES: Record<string, string> = { admin: "管理员", leader: "领导", liaison: "联络员", handler: "承办人" };

const STATIC: Record<string, string> = {
  "/": "page.html",
  "/console/page.css": "page.css",
  "/console/page.js": "page.js",
  "/console/markdown.js": "markdown.js",
};
const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
};
// The page loads nothing but its own files; even a renderer bug could not run injected script.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'";

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: HttpRequest): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === null) throw new RequestError(413, `请求太大：最多 ${MAX_BODY_BYTES / 1024} KB。`);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new RequestError(400, "请求不是有效的 JSON，应为 { userid, chatId, text }。");
  }
}

/** Checks the typed message's shape; who the sender is is checked against the database afterwards. */
function parseTyped(body: unknown): { userid: string; chatId: string | null; text: string } {
  if (typeof body !== "object" || body === null) throw new RequestError(400, "请求应为 { userid, chatId, text }。");
  const { userid, chatId, text } = body as Record<string, unknown>;
  if (typeof userid !== "string" || userid === "")
    throw new RequestError(400, "缺少 userid：请先在「我是…」中选择成员。");
  if (chatId !== null && chatId !== undefined && (typeof chatId !== "string" || chatId === "" || chatId.length > 128)) {
    throw new RequestError(400, "chatId 应为群聊的 chatId，单聊时为 null。");
  }
  if (typeof text !== "string" || text.trim() === "") throw new RequestError(400, "消息不能为空。");
  const length = [...text].length;
  if (length > CONSOLE_MAX_TEXT) {
    throw new RequestError(413, `消息太长：最多 ${CONSOLE_MAX_TEXT} 字，这条有 ${length} 字。`);
  }
  return { userid, chatId: chatId ?? null, text };
}

export function createConsole(options: ConsoleOptions): LocalConsole {
  const { db, pipeline } = options;
  const botName = options.botName ?? "督办助手";
  const bot = { userid: null, name: botName, unit: null, bot: true };
  const history: ConsoleEvent[] = [];
  const streams = new Set<ServerResponse>();
  const files = new Map<string, Promise<string>>();
  let lastId = 0;

  function publish(event: Omit<ConsoleEvent, "id" | "at">): void {
    const full: ConsoleEvent = { ...event, id: ++lastId, at: new Date().toISOString() };
    history.push(full);
    if (history.length > HISTORY) history.shift();
    const frame = `id: ${full.id}\ndata: ${JSON.stringify(full)}\n\n`;
    for (const res of streams) res.write(frame);
  }

  function staticFile(name: string): Promise<string> {
    let file = files.get(name);
    if (!file) {
      file = readFile(new URL(`./console/${name}`, import.meta.url), "utf8");
      files.set(name, file);
    }
    return file;
  }

  const staticRoutes: Route[] = Object.entries(STATIC).map(([path, name]) => ({
    method: "GET",
    path,
    async handle(_req, res) {
      const body = await staticFile(name);
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[name.split(".").pop() ?? ""] ?? "text/plain; charset=utf-8",
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "cache-control": "no-cache",
      });
      res.end(body);
    },
  }));

  const members: Route = {
    method: "GET",
    path: "/console/members",
    async handle(_req, res) {
      const [people, chats] = await Promise.all([
        db.person.findMany({
          where: { userid: { not: null }, active: true },
          include: { unit: true },
          orderBy: [{ unitId: "asc" }, { id: "asc" }],
        }),
        db.groupChat.findMany({ include: { unit: true }, orderBy: [{ isOffice: "desc" }, { id: "asc" }] }),
      ]);
      sendJson(res, 200, {
        bot: { name: botName },
        members: people.map((p) => ({
          userid: p.userid,
          name: p.name,
          unit: p.unit?.name ?? null,
          role: p.role,
          roleName: ROLE_NAMES[p.role] ?? p.role,
        })),
        chats: chats.map((c) => ({
          chatId: c.chatId,
          name: c.name ?? c.unit?.name ?? c.chatId,
          unit: c.unit?.name ?? null,
          isOffice: c.isOffice,
        })),
      });
    },
  };

  const messages: Route = {
    method: "POST",
    path: "/console/messages",
    async handle(req, res) {
      try {
        const typed = parseTyped(await readJson(req));
        const person = await db.person.findFirst({
          where: { userid: typed.userid, active: true },
          include: { unit: true },
        });
        if (!person) throw new RequestError(400, `不认识的成员「${typed.userid}」：请从「我是…」列表中选择一位成员。`);
        // In a group only @-mentions reach the bot, and WeCom delivers them with the mention in front.
        const mention = `@${botName}`;
        const text =
          typed.chatId && !typed.text.trimStart().startsWith(mention) ? `${mention} ${typed.text}` : typed.text;
        const message: IncomingMessage = {
          msgid: `console-${randomUUID()}`,
          transport: "console",
          chatType: typed.chatId ? "group" : "single",
          chatId: typed.chatId,
          userid: typed.userid,
          text,
        };
        const peer = typed.chatId ? null : typed.userid;
        const from = { userid: typed.userid, name: person.name, unit: person.unit?.name ?? null, bot: false };
        publish({ type: "message", chatId: typed.chatId, peer, from, text });
        const answer = await pipeline.receive(message);
        if (answer !== null) publish({ type: "answer", chatId: typed.chatId, peer, from: bot, text: answer });
        sendJson(res, 200, { msgid: message.msgid, answer });
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        sendJson(res, error.status, { error: error.message });
      }
    },
  };

  const events: Route = {
    method: "GET",
    path: "/console/events",
    handle(req, res) {
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      // A reconnecting EventSource says what it saw last; a new page gets the recent history.
      const seen = Number(req.headers["last-event-id"] ?? 0) || 0;
      res.write("retry: 2000\n\n");
      for (const e of history) if (e.id > seen) res.write(`id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`);
      streams.add(res);
      const heartbeat = setInterval(() => res.write(": ping\n\n"), HEARTBEAT_MS);
      req.on("close", () => {
        clearInterval(heartbeat);
        streams.delete(res);
      });
    },
  };

  const channel: PushChannel = {
    async push(notice: Notice) {
      // null is the office's default group: show it in the office's bound group when there is one.
      const chatId =
        notice.chatId ??
        (await db.groupChat.findFirst({ where: { isOffice: true }, orderBy: { id: "asc" } }))?.chatId ??
        null;
      publish({ type: "notice", chatId, peer: null, from: bot, text: notice.markdown });
    },
  };

  return {
    routes: [...staticRoutes, members, messages, events],
    channel,
    close() {
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
