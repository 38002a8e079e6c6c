// 成员 (office only): manage who the bot knows, from the chat.
//   成员 添加 <姓名> <企业微信ID> [单位] <角色>   — a new member (单位 required for 联络员/承办人)
//   成员 角色 <企业微信ID或姓名> <角色>          — change a role
//   成员 绑定 <姓名> [单位] <企业微信ID>          — bind the WeCom account of someone already listed (imported)
// Roles: 督办 / 领导 / 联络员 / 承办人 (or admin / leader / liaison / handler).
import { escapeMarkdown } from "../bot/render.ts";
import { addOrUpdateMember } from "../casework/assignments.ts";
import { loadUnitDirectory } from "../casework/import-people.ts";
import type { MemberChange, PersonWithUnit } from "../casework/members.ts";
import { codeOf, PERSON_ROLE_LABEL, type PersonRole } from "../domain/labels.ts";
import { isOffice } from "./access.ts";
import type { Command } from "./command.ts";
import { actorOf } from "./update-target.ts";

const USAGE = "成员 添加|角色|绑定 …";
const GRAMMAR = [
  "`成员 添加 <姓名> <企业微信ID> [单位] <角色>`",
  "`成员 角色 <企业微信ID或姓名> <角色>`",
  "`成员 绑定 <姓名> [单位] <企业微信ID>`",
  `角色：${Object.values(PERSON_ROLE_LABEL).join("、")}`,
].join("\n");
const USERID_RE = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

const help = (problem: string) => `${problem}\n用法：\n${GRAMMAR}\n例如：\`成员 添加 王芳 wangfang 市发改委 联络员\``;

function describe(p: PersonWithUnit): string {
  const unit = p.unit ? `${p.unit.name} ` : "";
  return `${escapeMarkdown(p.name)}（${unit}${PERSON_ROLE_LABEL[p.role]}${p.userid ? `，${p.userid}` : ""}）`;
}

export const memberCommand: Command = {
  name: "成员",
  aliases: [],
  summary: "督办室：添加成员、修改角色、绑定企业微信账号",
  usage: USAGE,
  examples: ["成员 添加 王芳 wangfang 市发改委 联络员", "成员 角色 wangfang 承办人", "成员 绑定 王芳 wangfang"],
  allowed: isOffice,
  async run(ctx) {
    const [op = "", ...words] = ctx.args.split(" ").filter(Boolean);
    const { directory } = await loadUnitDirectory(ctx.db);
    /** An optional unit at `words[i]`: its id and the words without it; undefined id = not given. */
    const unitAt = (i: number) => {
      const unit = words[i] ? directory.find(words[i] ?? "") : undefined;
      return { unitId: unit?.id, rest: unit ? words.filter((_, j) => j !== i) : words };
    };
    const role = (text: string | undefined): PersonRole | undefined =>
      text ? codeOf(PERSON_ROLE_LABEL, text) : undefined;
    let change: MemberChange;
    if (op === "添加") {
      const { unitId, rest } = unitAt(2);
      const [name, userid, roleText, extra] = rest;
      const r = role(roleText);
      if (!name || !userid || !r || extra) {
        if (words[2] && !unitId && words.length === 4) return directory.unknownMessage(words[2]);
        return help(roleText && !r ? `角色「${roleText}」不认识。` : "请写全姓名、企业微信ID和角色。");
      }
      if (!USERID_RE.test(userid)) return help(`「${userid}」不像企业微信ID（字母、数字、_ . @ -）。`);
      if (!unitId && (r === "liaison" || r === "handler")) return help(`${PERSON_ROLE_LABEL[r]}须写明所属单位。`);
      change = { op: "add", name, userid, unitId: unitId ?? null, role: r };
    } else if (op === "角色") {
      const [who, roleText, extra] = words;
      const r = role(roleText);
      if (!who || !r || extra) return help(roleText && !r ? `角色「${roleText}」不认识。` : "请写明成员和新角色。");
      change = { op: "role", who, role: r };
    } else if (op === "绑定") {
      const { unitId, rest } = unitAt(1);
      const [who, userid, extra] = rest;
      if (!who || !userid || extra) return help("请写明姓名和企业微信ID。");
      if (!USERID_RE.test(userid)) return help(`「${userid}」不像企业微信ID（字母、数字、_ . @ -）。`);
      change = { op: "bind", who, unitId, userid };
    } else {
      return help(op ? `「${op}」不是成员命令。` : "请写明要做什么：添加、角色或绑定。");
    }
    const result = await addOrUpdateMember(ctx.db, actorOf(ctx), change);
    switch (result.status) {
      case "missing":
        return `没有找到成员「${escapeMarkdown(change.op === "add" ? change.name : change.who)}」。可先用「成员 添加」加入。`;
      case "ambiguous":
        return `有${result.people.length}位同名成员：${result.people.map(describe).join("、")}。请用企业微信ID或写明单位。`;
      case "taken":
        return `无法${op}：企业微信ID已属于${describe(result.person)}。`;
      case "lastAdmin":
        return `无法修改角色：${describe(result.person)}是唯一的督办成员，请先添加其他督办成员。`;
      case "repeat":
        return `${describe(result.person)}已是这样，无需重复。`;
      case "done": {
        const what = op === "添加" ? "已添加成员" : op === "角色" ? "已修改角色" : "已绑定企业微信账号";
        return `${what}：${describe(result.person)}`;
      }
    }
  },
};
