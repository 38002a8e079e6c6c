// 成员 and 绑定 (office only) through the real pipeline and a real database: adding a member, changing a role, binding
// a WeCom userid to someone imported without one, binding a group chat to a unit or the office — each audited, each
// harmless to repeat, with the usage for bad arguments.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRANGER } from "../../commands/messages.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { buildUpdateFixture, lastEvent, snapshot, talker, type UpdateFixture } from "./update-fixture.ts";

let database: TestDatabase;
let fx: UpdateFixture;
let say: ReturnType<typeof talker>;
beforeAll(async () => {
  database = await createTestDatabase();
  fx = await buildUpdateFixture(database.db);
  say = talker(database.db);
});
afterAll(async () => {
  await database.drop();
});

describe("成员", () => {
  it("adds a member, who can then use the bot; adding them again is harmless", async () => {
    expect(await say("new_fgw", "帮助")).toBe(STRANGER);
    const answer = await say("zhangwei", "成员 添加 陈晨 new_fgw 市发改委 联络员", "chat-office");
    expect(answer).toBe("已添加成员：陈晨（市发展和改革委员会 联络员，new_fgw）");
    const person = await fx.db.person.findUniqueOrThrow({ where: { userid: "new_fgw" } });
    expect(person).toMatchObject({ name: "陈晨", role: "liaison", unitId: fx.units.fgw.id, active: true });
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({ action: "person.created", actorId: fx.people.zhangwei, chatId: "chat-office" });
    expect(event.after).toMatchObject({ name: "陈晨", userid: "new_fgw", role: "liaison" });
    expect(await say("new_fgw", "帮助")).toContain("督办助手可用命令");

    const before = await snapshot(fx.db);
    expect(await say("zhangwei", "成员 添加 陈晨 new_fgw 市发改委 联络员")).toBe(
      "陈晨（市发展和改革委员会 联络员，new_fgw）已是这样，无需重复。",
    );
    expect(await say("zhangwei", "成员 添加 陈晨 fgw_liaison 市发改委 联络员")).toBe(
      "无法添加：企业微信ID已属于李明（市发展和改革委员会 联络员，fgw_liaison）。",
    );
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("changes a role, by userid or name, and never leaves the office without an admin", async () => {
    expect(await say("zhangwei", "成员 角色 edu_handler 联络员")).toBe(
      "已修改角色：钱丽（市教育局 联络员，edu_handler）",
    );
    const event = await lastEvent(fx.db);
    expect(event.before).toEqual({ id: fx.people.edu_handler, role: "handler" });
    expect(event.after).toEqual({ id: fx.people.edu_handler, role: "liaison" });
    expect(await say("zhangwei", "成员 角色 钱丽 承办人")).toContain("已修改角色");
    const before = await snapshot(fx.db);
    expect(await say("zhangwei", "成员 角色 钱丽 承办人")).toContain("已是这样，无需重复");
    expect(await say("zhangwei", "成员 角色 zhangwei 领导")).toBe(
      "无法修改角色：张伟（市政府督查室 督办，zhangwei）是唯一的督办成员，请先添加其他督办成员。",
    );
    expect(await say("zhangwei", "成员 角色 nobody 领导")).toBe("没有找到成员「nobody」。可先用「成员 添加」加入。");
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("binds the WeCom account of a person imported without one", async () => {
    await fx.db.person.create({ data: { name: "吴敏", role: "handler", unitId: fx.units.housing.id } });
    expect(await say("wumin", "帮助")).toBe(STRANGER);
    expect(await say("zhangwei", "成员 绑定 吴敏 住建局 wumin")).toBe(
      "已绑定企业微信账号：吴敏（市住房和城乡建设局 承办人，wumin）",
    );
    expect((await lastEvent(fx.db)).after).toMatchObject({ userid: "wumin" });
    expect(await say("wumin", "帮助")).toContain("督办助手可用命令");
    expect(await say("zhangwei", "成员 绑定 吴敏 wumin")).toContain("无需重复");
  });

  it("answers bad arguments with the grammar", async () => {
    const before = await snapshot(fx.db);
    const usage = "用法：\n`成员 添加 <姓名> <企业微信ID> [单位] <角色>`";
    expect(await say("zhangwei", "成员")).toContain(usage);
    expect(await say("zhangwei", "成员 删除 王芳")).toMatch(/^「删除」不是成员命令。/);
    expect(await say("zhangwei", "成员 添加 陈晨 chenchen 市发改委 组长")).toMatch(/^角色「组长」不认识。/);
    expect(await say("zhangwei", "成员 添加 陈晨 chenchen 承办人")).toMatch(/^承办人须写明所属单位。/);
    expect(await say("zhangwei", "成员 添加 陈晨 chenchen 市水利局 承办人")).toContain("未知单位「市水利局」");
    expect(await say("zhangwei", "成员 添加 陈晨 陈晨的号 市发改委 承办人")).toMatch(/^「陈晨的号」不像企业微信ID/);
    expect(await snapshot(fx.db)).toBe(before);
  });
});

describe("绑定", () => {
  it("binds a group to a unit, then to the office; repeating is harmless", async () => {
    expect(await say("zhangwei", "绑定 市发改委", "chat-new")).toBe("已将本群绑定为市发展和改革委员会的工作群。");
    expect(await fx.db.groupChat.findUniqueOrThrow({ where: { chatId: "chat-new" } })).toMatchObject({
      unitId: fx.units.fgw.id,
      isOffice: false,
      boundById: fx.people.zhangwei,
    });
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({ action: "groupchat.bound", actorId: fx.people.zhangwei, chatId: "chat-new" });
    expect(event.before).toBeNull();
    const before = await snapshot(fx.db);
    expect(await say("zhangwei", "绑定 发改委", "chat-new")).toBe("本群已绑定为市发展和改革委员会的工作群，无需重复。");
    expect(await snapshot(fx.db)).toBe(before);

    expect(await say("zhangwei", "绑定 督办室", "chat-new")).toBe(
      "已将本群绑定为督办室工作群（原为市发展和改革委员会的工作群）。",
    );
    expect(await fx.db.groupChat.findUniqueOrThrow({ where: { chatId: "chat-new" } })).toMatchObject({
      unitId: null,
      isOffice: true,
    });
    expect((await lastEvent(fx.db)).before).toEqual({ unitId: fx.units.fgw.id, isOffice: false });
  });

  it("is refused in a single chat, and answers an unknown unit with suggestions", async () => {
    const before = await snapshot(fx.db);
    expect(await say("zhangwei", "绑定 市发改委")).toMatch(/^「绑定」只能在群聊中使用/);
    expect(await say("zhangwei", "绑定 市发改", "chat-other")).toContain("您是不是要找：市发展和改革委员会");
    expect(await say("zhangwei", "绑定", "chat-other")).toMatch(/^请写明绑定到哪个单位，或督办室。\n用法：/);
    expect(await snapshot(fx.db)).toBe(before);
  });
});
