// 签收 沟通 意见 through the real pipeline and a real database: what each writes (rows and the audit event: who, which
// chat, before → after), what it refuses and why, its answer to bad arguments, and that sending it again changes
// nothing. 答复 反馈 公开 are in replies.test.ts, 延期 调整 批准 驳回 in requests.test.ts, 成员 绑定 in admin.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { addCase, buildUpdateFixture, day, lastEvent, snapshot, talker, type UpdateFixture } from "./update-fixture.ts";

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

const assignment = (id: number | undefined) => fx.db.assignment.findUniqueOrThrow({ where: { id } });

describe("签收", () => {
  it("takes the case, names the signer as handler, and logs who, where and before → after", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD" }] });
    const answer = await say("fgw_liaison", `@督办助手 /签收 ${number}`, "chat-fgw");
    expect(answer).toContain("已签收：市政协五届二次会议第");
    expect(answer).toContain("承办人：李明");
    expect(answer).toContain("下一步：答复，2024年6月11日前（剩");
    const a = await assignment(ids.fgw);
    expect(a.state).toBe("IN_PROGRESS");
    expect(a.handlerId).toBe(fx.people.fgw_liaison);
    expect(a.signedAt).not.toBeNull();
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({ action: "assignment.signed", actorId: fx.people.fgw_liaison, chatId: "chat-fgw" });
    expect(event.assignmentId).toBe(ids.fgw);
    expect(event.before).toEqual({ state: "PENDING", handlerId: null, signedAt: null });
    expect(event.after).toMatchObject({ state: "IN_PROGRESS", handlerId: fx.people.fgw_liaison });

    const before = await snapshot(fx.db);
    expect(await say("fgw_handler", `签收 ${number}`)).toBe("该件已签收（承办人：李明），无需重复。");
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("names another handler of the unit, and later changes only the handler", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD" }] });
    expect(await say("fgw_liaison", `签收 ${number} 王芳`)).toContain("承办人：王芳");
    expect((await assignment(ids.fgw)).handlerId).toBe(fx.people.fgw_handler);
    expect(await say("fgw_leader", `签收 ${number} 李明`)).toContain("已将承办人改为李明");
    const event = await lastEvent(fx.db);
    expect(event.action).toBe("assignment.handler_changed");
    expect(event.before).toEqual({ handlerId: fx.people.fgw_handler });
    expect((await assignment(ids.fgw)).state).toBe("IN_PROGRESS");
  });

  it("refuses a handler who is not in the unit, and bad arguments with the usage", async () => {
    const { number } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD" }] });
    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `签收 ${number} 赵强`)).toBe(
      "无法签收：市发展和改革委员会没有名为「赵强」的成员。市发展和改革委员会的成员：李强、李明、王芳。",
    );
    expect(await say("fgw_liaison", "签收")).toBe(
      "请写明案号。\n用法：`签收 <案号> [承办人]`\n例如：`签收 205号提案 王芳`",
    );
    expect(await say("fgw_liaison", "签收 明天")).toContain("没有看懂「明天」中的案号。");
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("refuses a withdrawn assignment with the reason and the state", async () => {
    const { number } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "WITHDRAWN" }] });
    expect(await say("fgw_liaison", `签收 ${number}`)).toBe("无法签收：该件已调整给其他单位办理（当前状态：已调整）。");
  });

  it("lets the office sign for a unit it names, and asks which when the case has several", async () => {
    const { number, ids } = await addCase(fx, {
      units: [
        { unit: "fgw", role: "LEAD" },
        { unit: "edu", role: "JOINT" },
      ],
    });
    const ask = await say("zhangwei", `签收 ${number}`, "chat-office");
    expect(ask).toBe(
      `该件有2个承办单位：市发展和改革委员会（主办，待签收）、市教育局（会办，待签收）。请写明单位，例如：「签收 ${number} 市发展和改革委员会」。`,
    );
    expect(await say("zhangwei", `签收 ${number} 教育局`, "chat-office")).toContain("已签收");
    const a = await assignment(ids.edu);
    expect(a.state).toBe("IN_PROGRESS");
    expect(a.handlerId).toBeNull(); // the office signs; the unit names its handler
    expect((await assignment(ids.fgw)).state).toBe("PENDING");
  });

  it("lets only one of two people signing at the same moment succeed", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD" }] });
    const answers = await Promise.all([
      say("fgw_liaison", `签收 ${number}`),
      say("fgw_handler", `签收 ${number}`),
      say("fgw_leader", `签收 ${number}`),
    ]);
    expect(answers.filter((a) => a.startsWith("已签收"))).toHaveLength(1);
    expect(answers.filter((a) => a.includes("无需重复"))).toHaveLength(2);
    expect(await fx.db.event.count({ where: { assignmentId: ids.fgw, action: "assignment.signed" } })).toBe(1);
  });
});

describe("沟通", () => {
  it("logs 办前 then 办中 contacts with form and note, and keeps a repeated one once", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
    const first = await say("fgw_handler", `沟通 ${number} 面商 与刘委员当面商议办理方案`, "chat-fgw");
    expect(first).toContain("已记录办前面商");
    expect(first).toContain("本单位共沟通1次，其中面商1次。");
    expect(await say("fgw_handler", `沟通 ${number} 电话`)).toContain("已记录办中电话");
    const rows = await fx.db.contactLog.findMany({ where: { assignmentId: ids.fgw }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.stage, r.form, r.note])).toEqual([
      ["BEFORE", "FACE", "与刘委员当面商议办理方案"],
      ["DURING", "PHONE", null],
    ]);
    expect(rows[0]?.loggedById).toBe(fx.people.fgw_handler);
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({ action: "contact.logged", actorId: fx.people.fgw_handler, chatId: null });
    expect(event.after).toMatchObject({ stage: "DURING", form: "PHONE", contactedOn: "2024-03-15" });

    const before = await snapshot(fx.db);
    expect(await say("fgw_handler", `沟通 ${number} 电话`)).toBe("今天已记录过这次电话，无需重复。");
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("refuses before 签收, and an unknown form with the usage", async () => {
    const { number } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD" }] });
    const before = await snapshot(fx.db);
    expect(await say("fgw_handler", `沟通 ${number} 面商`)).toBe(
      `无法记录沟通：该件尚未签收（当前状态：待签收）。请先发送「签收 ${number}」。`,
    );
    expect(await say("fgw_handler", `沟通 ${number} 喝茶`)).toMatch(
      /^沟通方式「喝茶」不认识，只能是面商、电话、座谈、走访、书面。\n用法：/,
    );
    expect(await say("fgw_handler", `沟通 ${number}`)).toContain("请写明沟通方式");
    expect(await snapshot(fx.db)).toBe(before);
  });
});

describe("意见", () => {
  it("marks a 会办 opinion sent, and the repeat as harmless", async () => {
    const { number, ids } = await addCase(fx, {
      units: [
        { unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" },
        { unit: "edu", role: "JOINT", stage: "IN_PROGRESS" },
      ],
    });
    expect(await say("edu_liaison", `意见 ${number}`, "chat-edu")).toContain("已记录会办意见送市发展和改革委员会");
    const a = await assignment(ids.edu);
    expect(a.state).toBe("OPINION_SENT");
    expect(a.opinionSentOn).toEqual(day("2024-03-15"));
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({
      action: "assignment.opinion_sent",
      actorId: fx.people.edu_liaison,
      chatId: "chat-edu",
    });
    expect(event.before).toEqual({ state: "IN_PROGRESS", opinionSentOn: null });
    expect(event.after).toEqual({ state: "OPINION_SENT", opinionSentOn: "2024-03-15" });
    const before = await snapshot(fx.db);
    expect(await say("edu_handler", `意见 ${number}`)).toBe("会办意见已于2024年3月15日送出，无需重复。");
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("refuses the 主办 unit (it replies instead), an unsigned one, and extra words", async () => {
    const { number } = await addCase(fx, {
      units: [
        { unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" },
        { unit: "edu", role: "ASSIST" },
      ],
    });
    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `意见 ${number}`)).toBe(
      `无法报送意见：本单位是该件的主办（分办）单位，应直接答复提出人，不报送会办意见（当前状态：办理中）。请改用「答复 ${number} <类别>」。`,
    );
    expect(await say("edu_liaison", `意见 ${number}`)).toBe(
      `无法报送意见：该件尚未签收（当前状态：待签收）。请先发送「签收 ${number}」。`,
    );
    expect(await say("edu_liaison", `意见 ${number} 已发`)).toContain("用法：`意见 <案号>`");
    expect(await snapshot(fx.db)).toBe(before);
  });
});
