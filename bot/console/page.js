// The console page: members and chats from /console/members, the conversation live from /console/events (every
// open page sees the same), and typed messages posted to /console/messages, which runs them through the pipeline.
import { renderMarkdown } from "./markdown.js";

const $ = (id) => document.getElementById(id);
const ME_KEY = "casebot.console.me";
const DEFAULT_GROUP = "g:"; // notices for the office's group when no group chat is bound yet

const state = {
  bot: "督办助手",
  members: new Map(),
  chats: [], // { key, name, sub, group }
  me: "",
  current: "",
  events: [],
  unread: new Map(),
};

const nameOf = (userid) => state.members.get(userid)?.name;
const keyOf = (event) => (event.chatId ? `g:${event.chatId}` : event.peer ? `s:${event.peer}` : DEFAULT_GROUP);
const singleKey = () => `s:${state.me}`;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A stable hue per member, so the same person always has the same avatar colour. */
function hueOf(userid) {
  let hash = 0;
  for (const ch of userid) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return String(hash % 360);
}

function timeOf(iso) {
  const at = new Date(iso);
  const hm = at.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false });
  const today = new Date().toDateString() === at.toDateString();
  return today ? hm : `${at.getMonth() + 1}月${at.getDate()}日 ${hm}`;
}

function previewOf(event) {
  const text = event.text.replace(/<@([^<>\s]+)>/g, (_, id) => `@${nameOf(id) ?? id}`).replace(/[*#>`]/g, "");
  return `${event.from.name}：${text.replace(/\s+/g, " ").slice(0, 40)}`;
}

/** The chats to list: bound groups, groups only seen in events, the default group if used, and the single chat. */
function chatList() {
  const chats = [...state.chats];
  for (const event of state.events) {
    const key = keyOf(event);
    if (key.startsWith("s:") || chats.some((c) => c.key === key)) continue;
    const name = key === DEFAULT_GROUP ? "督办室默认群（未绑定）" : `群聊 ${event.chatId}`;
    chats.push({ key, name, sub: "未绑定的群", group: true });
  }
  chats.push({ key: singleKey(), name: `单聊 · ${state.bot}`, sub: "只有你和机器人", group: false });
  return chats;
}

function renderChats() {
  const list = $("chats");
  list.replaceChildren();
  for (const chat of chatList()) {
    const item = el("li", `chat-item${chat.key === state.current ? " active" : ""}`);
    item.dataset.key = chat.key;
    item.append(el("div", `avatar ${chat.group ? "group" : "bot"}`, chat.group ? "群" : "督"));
    const text = el("div", "text");
    const last = state.events.filter((e) => keyOf(e) === chat.key).at(-1);
    text.append(el("div", "name", chat.name), el("div", "preview", last ? previewOf(last) : chat.sub));
    item.append(text);
    const unread = state.unread.get(chat.key);
    if (unread) item.append(el("span", "badge", String(unread)));
    item.addEventListener("click", () => select(chat.key));
    list.append(item);
  }
}

/** A member's typed text stays plain text; only the leading @mention is coloured, as WeCom does. */
function typedText(text) {
  const bubble = el("div", "bubble plain");
  const mention = `@${state.bot}`;
  if (text.startsWith(mention)) {
    bubble.append(el("span", "mention", mention), text.slice(mention.length));
  } else {
    bubble.textContent = text;
  }
  return bubble;
}

function messageNode(event) {
  const self = !event.from.bot && event.from.userid === state.me;
  const node = el("div", `msg ${event.type}${self ? " self" : ""}${event.from.bot ? " bot" : ""}`);
  node.dataset.type = event.type;
  node.dataset.id = String(event.id);
  const avatar = el("div", `avatar${event.from.bot ? " bot" : ""}`, [...event.from.name][0] ?? "?");
  if (!event.from.bot) avatar.style.setProperty("--hue", hueOf(event.from.userid ?? ""));
  node.append(avatar);
  const body = el("div", "body");
  const meta = el("div", "meta");
  meta.append(el("span", "name", event.from.name));
  if (event.from.bot) meta.append(el("span", "tag", "机器人"));
  if (event.type === "notice") meta.append(el("span", "tag push", "推送"));
  if (event.from.unit) meta.append(el("span", "unit", event.from.unit));
  meta.append(el("time", "", timeOf(event.at)));
  body.append(meta);
  if (event.type === "message") {
    body.append(typedText(event.text));
  } else {
    const bubble = el("div", "bubble md");
    bubble.append(renderMarkdown(event.text, nameOf));
    body.append(bubble);
  }
  node.append(body);
  return node;
}

function renderMessages() {
  const box = $("messages");
  box.replaceChildren();
  const shown = state.events.filter((e) => keyOf(e) === state.current);
  if (!state.members.size) {
    box.append(
      el(
        "div",
        "empty",
        "数据库里还没有成员：先用 npx casebot members import 导入成员，或在空库上重新 npm start 载入演示数据。",
      ),
    );
  } else if (!shown.length) {
    box.append(el("div", "empty", `还没有消息。试试发送「@${state.bot} /帮助」。`));
  }
  for (const event of shown) box.append(messageNode(event));
  box.scrollTop = box.scrollHeight;
}

function select(key) {
  state.current = key;
  state.unread.delete(key);
  const chat = chatList().find((c) => c.key === key);
  $("chat-title").textContent = chat?.name ?? "";
  $("chat-sub").textContent = chat?.sub ?? "";
  const sendable = key !== DEFAULT_GROUP;
  $("input").disabled = !sendable;
  $("input").placeholder = sendable ? "输入消息，例如 /帮助" : "这个群还没有绑定，不能在这里发消息";
  renderChats();
  renderMessages();
}

function receive(event) {
  state.events.push(event);
  const key = keyOf(event);
  if (key === state.current) {
    const box = $("messages");
    box.querySelector(".empty")?.remove();
    box.append(messageNode(event));
    box.scrollTop = box.scrollHeight;
  } else {
    state.unread.set(key, (state.unread.get(key) ?? 0) + 1);
  }
  renderChats();
}

function showError(text) {
  $("error").textContent = text;
}

async function send() {
  const input = $("input");
  const text = input.value;
  if (!text.trim()) return;
  if (!state.me) return showError("请先在「我是…」中选择你是谁。");
  const chatId = state.current.startsWith("g:") ? state.current.slice(2) : null;
  $("send").disabled = true;
  showError("");
  try {
    const res = await fetch("/console/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userid: state.me, chatId, text }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) return showError(body.error ?? `发送失败（HTTP ${res.status}）`);
    input.value = "";
  } catch {
    showError("发送失败：连不上服务，请确认 npm start 仍在运行。");
  } finally {
    $("send").disabled = false;
    input.focus();
  }
}

function setMe(userid) {
  const wasSingle = state.current.startsWith("s:");
  state.me = userid;
  localStorage.setItem(ME_KEY, userid);
  const person = state.members.get(userid);
  $("rail-me").textContent = person ? [...person.name][0] : "?";
  $("rail-me").style.setProperty("--hue", hueOf(userid));
  $("rail-me").title = person ? `${person.name}（${person.unit ?? "未分配单位"}）` : "我";
  select(wasSingle ? singleKey() : state.current);
}

function fillPicker(members) {
  const picker = $("me");
  picker.replaceChildren(el("option", "", "请选择…"));
  picker.firstChild.value = "";
  const units = new Map();
  for (const m of members) {
    const unit = m.unit ?? "未分配单位";
    if (!units.has(unit)) units.set(unit, el("optgroup"));
    units.get(unit).label = unit;
    const option = el("option", "", `${m.name}（${m.roleName}）`);
    option.value = m.userid;
    units.get(unit).append(option);
  }
  picker.append(...units.values());
}

async function start() {
  const res = await fetch("/console/members");
  const data = await res.json();
  state.bot = data.bot.name;
  for (const m of data.members) state.members.set(m.userid, m);
  state.chats = data.chats.map((c) => ({ key: `g:${c.chatId}`, name: c.name, sub: c.unit ?? "督办室", group: true }));
  $("mention").textContent = `@${state.bot}`;
  fillPicker(data.members);
  const saved = localStorage.getItem(ME_KEY);
  state.current = state.chats[0]?.key ?? singleKey();
  setMe(saved && state.members.has(saved) ? saved : (data.members[0]?.userid ?? ""));
  $("me").value = state.me;

  $("me").addEventListener("change", (e) => setMe(e.target.value));
  $("send").addEventListener("click", send);
  $("input").addEventListener("keydown", (e) => {
    // Enter sends, but not while an input method is still composing Chinese characters.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  $("mention").addEventListener("click", () => {
    const input = $("input");
    if (!input.value.startsWith(`@${state.bot}`)) input.value = `@${state.bot} ${input.value}`;
    input.focus();
  });

  const events = new EventSource("/console/events");
  events.onmessage = (e) => receive(JSON.parse(e.data));
  events.onopen = () => {
    $("status").textContent = "已连接 · 实时";
    $("status").className = "status";
  };
  events.onerror = () => {
    $("status").textContent = "连接中断，正在重连…";
    $("status").className = "status down";
  };
  document.body.dataset.ready = "true";
}

start().catch(() => showError("读取成员失败：请确认 npm start 仍在运行，然后刷新页面。"));
