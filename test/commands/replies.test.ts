// 答复 反馈 公开 through the real pipeline and a real database: the reply rounds, 续办 of B-class replies, 重新办理 after
// 不满意, when a case closes, the audit events, refusals with reason and state, bad arguments, harmless repeats.
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

describe("答复", () => {
  it("refuses 答复 before 签收 with the reason, the state and the next step", async () => {
    const { number } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD" }] });
    expect(await say("fgw_liaison", `答复 ${number} A`)).toBe(
      `无法答复：该件尚未签收（当前状态：待签收）。请先发送「签收 ${number}」。`,
    );
  });

  it("records an A reply with its signer, due to be published (主动公开) within 20 working days", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
    const answer = await say("fgw_handler", `答复 ${number} A类 李强`, "chat-fgw");
    expect(answer).toContain("A类，签发人：李强。");
    // 20 working days after 03-15 across 清明 (04-04..06 off, Sunday 04-07 worked).
    expect(answer).toContain("请于2024年4月15日前公开");
    const reply = await fx.db.reply.findFirstOrThrow({ where: { assignmentId: ids.fgw } });
    expect(reply).toMatchObject({
      round: 1,
      replyClass: "A",
      signedBy: "李强",
      repliedOn: day("2024-03-15"),
      isPublic: true,
    });
    const a = await assignment(ids.fgw);
    expect(a).toMatchObject({ state: "REPLIED", replyClass: "A", repliedOn: day("2024-03-15") });
    expect(a.publishDeadline).toEqual(day("2024-04-15"));
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({ action: "assignment.replied", actorId: fx.people.fgw_handler, chatId: "chat-fgw" });
    expect(event.before).toMatchObject({ state: "IN_PROGRESS", replyClass: null, repliedOn: null });
    expect(event.after).toMatchObject({ state: "REPLIED", replyClass: "A", round: 1, signedBy: "李强" });

    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `答复 ${number} A`)).toBe("该件已按A类答复（2024年3月15日），无需重复。");
    expect(await say("fgw_liaison", `答复 ${number} C`)).toBe(
      "无法答复：该件已按A类答复，如需更正请联系督办室（当前状态：已答复）。",
    );
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("opens a 续办 follow-up for B, and the 续复 (B → A) is round 2 and settles it", async () => {
    const { number, ids } = await addCase(fx, {
      disclosure: "ON_REQUEST",
      units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }],
    });
    expect(await say("fgw_handler", `答复 ${number} B`)).toContain("续办期限2024年12月31日");
    const [followUp] = await fx.db.followUp.findMany({ where: { assignmentId: ids.fgw } });
    expect(followUp).toMatchObject({ status: "OPEN", dueOn: day("2024-12-31") });
    expect((await assignment(ids.fgw)).publishDeadline).toBeNull(); // 依申请公开: nothing to publish by a date

    expect(await say("fgw_handler", `反馈 ${number} 基本满意`)).toContain("B类答复续办中");
    expect((await assignment(ids.fgw)).state).toBe("REPLIED"); // open for 续办, not closed

    expect(await say("fgw_handler", `答复 ${number} A`)).toContain("第2轮答复，A类");
    const replies = await fx.db.reply.findMany({ where: { assignmentId: ids.fgw }, orderBy: { round: "asc" } });
    expect(replies.map((r) => [r.round, r.replyClass])).toEqual([
      [1, "B"],
      [2, "A"],
    ]);
    expect(await fx.db.followUp.findUniqueOrThrow({ where: { id: followUp?.id } })).toMatchObject({
      status: "RESOLVED",
      resolvedOn: day("2024-03-15"),
    });
    expect(await say("fgw_handler", `反馈 ${number} 满意`)).toContain("该件已办结。");
    expect(await assignment(ids.fgw)).toMatchObject({ state: "CLOSED", closedOn: day("2024-03-15") });
  });

  it("lets the office reply for the case's only 主办 without naming it", async () => {
    const { number, ids } = await addCase(fx, {
      units: [
        { unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" },
        { unit: "edu", role: "JOINT", stage: "IN_PROGRESS" },
      ],
    });
    expect(await say("zhangwei", `答复 ${number} A`, "chat-office")).toContain("（市发展和改革委员会 主办）");
    expect((await assignment(ids.fgw)).state).toBe("REPLIED");
    expect((await assignment(ids.edu)).state).toBe("IN_PROGRESS");
  });

  it("refuses a 会办 unit, and a missing or unknown class with the usage", async () => {
    const { number } = await addCase(fx, {
      units: [
        { unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" },
        { unit: "edu", role: "JOINT", stage: "IN_PROGRESS" },
      ],
    });
    const before = await snapshot(fx.db);
    expect(await say("edu_liaison", `答复 ${number} A`)).toBe(
      `无法答复：本单位是该件的会办（协办）单位，只需向主办单位报送意见，答复、反馈和公开由主办单位办理（当前状态：办理中）。请改用「意见 ${number}」。`,
    );
    expect(await say("fgw_liaison", `答复 ${number}`)).toMatch(
      /^请写明答复类别：A、B、C。\n用法：`答复 <案号> <类别> \[签发人\]`/,
    );
    expect(await say("fgw_liaison", `答复 ${number} D`)).toMatch(/^答复类别「D」不认识，只能是A、B、C。\n用法：/);
    expect(await snapshot(fx.db)).toBe(before);
  });
});

describe("反馈", () => {
  it("refuses feedback on a case not yet replied", async () => {
    const { number } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
    expect(await say("fgw_liaison", `反馈 ${number} 满意`)).toBe(
      `无法记录反馈：该件尚未答复（当前状态：办理中）。请先发送「答复 ${number} <类别>」。`,
    );
  });

  it("turns 不满意 into 重新办理 with a deadline a month from today; the next reply is round 2", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "REPLIED" }] });
    const answer = await say("fgw_liaison", `反馈 ${number} 不满意 希望再次面商`, "chat-fgw");
    expect(answer).toContain("已记录第1轮答复的反馈：不满意（希望再次面商）");
    expect(answer).toContain("该件转入重新办理，请于2024年4月15日前");
    expect(await assignment(ids.fgw)).toMatchObject({ state: "REHANDLING", rehandleDeadline: day("2024-04-15") });
    expect(await fx.db.feedback.findFirstOrThrow({ where: { assignmentId: ids.fgw } })).toMatchObject({
      round: 1,
      rating: "UNSATISFIED",
      note: "希望再次面商",
    });
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({ action: "feedback.recorded", actorId: fx.people.fgw_liaison, chatId: "chat-fgw" });
    expect(event.before).toEqual({ state: "REPLIED", rehandleDeadline: null });
    expect(event.after).toMatchObject({ state: "REHANDLING", rehandleDeadline: "2024-04-15", rating: "UNSATISFIED" });

    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `反馈 ${number} 不满意`)).toBe("该件本轮答复的反馈已记录为「不满意」，无需重复。");
    expect(await say("fgw_liaison", `反馈 ${number} 满意`)).toBe(
      "无法记录反馈：本轮答复的反馈已记录为「不满意」（当前状态：重新办理）。",
    );
    expect(await snapshot(fx.db)).toBe(before);
    expect(await say("fgw_liaison", `答复 ${number} A`)).toContain("第2轮答复");
    expect(await fx.db.reply.count({ where: { assignmentId: ids.fgw, round: 2 } })).toBe(1);
  });

  it("keeps a satisfied 主动公开 case open until 公开, which closes it", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
    await say("fgw_liaison", `答复 ${number} A`);
    expect(await say("fgw_liaison", `反馈 ${number} 满意`)).toContain("待公开：请于2024年4月15日前公开");
    expect((await assignment(ids.fgw)).state).toBe("REPLIED");
    expect(await say("fgw_liaison", `反馈 ${number} 很好`)).toMatch(
      /^反馈「很好」不认识，只能是满意、基本满意、不满意。\n用法：/,
    );
  });
});

describe("公开", () => {
  it("records the publication, closes a satisfied case, and the repeat is harmless", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
    await say("fgw_liaison", `答复 ${number} A`);
    await say("fgw_liaison", `反馈 ${number} 满意`);
    expect(await say("fgw_handler", `公开 ${number}`, "chat-fgw")).toContain("已记录答复公开（2024年3月15日）");
    expect(await assignment(ids.fgw)).toMatchObject({
      state: "CLOSED",
      publishedOn: day("2024-03-15"),
      closedOn: day("2024-03-15"),
    });
    expect(await fx.db.reply.findFirstOrThrow({ where: { assignmentId: ids.fgw } })).toMatchObject({
      publishedOn: day("2024-03-15"),
    });
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({ action: "assignment.published", actorId: fx.people.fgw_handler, chatId: "chat-fgw" });
    expect(event.before).toEqual({ state: "REPLIED", publishedOn: null, closedOn: null });
    const before = await snapshot(fx.db);
    expect(await say("fgw_handler", `公开 ${number}`)).toBe("该件答复已于2024年3月15日公开，无需重复。");
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("refuses before the reply, and for a 不予公开 case", async () => {
    const open = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
    const secret = await addCase(fx, {
      disclosure: "NOT_PUBLIC",
      units: [{ unit: "fgw", role: "LEAD", stage: "REPLIED" }],
    });
    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `公开 ${open.number}`)).toBe(
      `无法公开：该件尚未答复（当前状态：办理中）。请先发送「答复 ${open.number} <类别>」。`,
    );
    expect(await say("fgw_liaison", `公开 ${secret.number}`, "chat-fgw")).toBe(
      "无法公开：该件为不予公开件，答复不公开（当前状态：已答复）。",
    );
    expect(await say("fgw_liaison", `公开 ${open.number} 今天`)).toContain("用法：`公开 <案号>`");
    expect(await snapshot(fx.db)).toBe(before);
  });
});
