// 延期 调整 批准 驳回 through the real pipeline and a real database: filing within the windows (and the notice to the
// office), refusals past the cap, after the deadline or the adjustment window, the office's decisions (an approved
// 调整 moves the case and tells both units), repeats, and bad arguments.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRequestedDate } from "../../commands/extend.ts";
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
const lead = { unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" } as const;

describe("a requested date", () => {
  it("reads a day without a year as its next occurrence", () => {
    expect(parseRequestedDate("8月31日", "2024-03-15")).toBe("2024-08-31");
    expect(parseRequestedDate("2月1日", "2024-03-15")).toBe("2025-02-01");
    expect(parseRequestedDate("8/31前", "2024-03-15")).toBe("2024-08-31");
    expect(parseRequestedDate("2024年7月31日", "2024-03-15")).toBe("2024-07-31");
    expect(parseRequestedDate("2月30日", "2024-03-15")).toBeNull();
    expect(parseRequestedDate("下个月", "2024-03-15")).toBeNull();
  });
});

describe("延期", () => {
  it("files the request, tells the office, and the same request again is harmless", async () => {
    const { number, ids } = await addCase(fx, { units: [lead] });
    const answer = await say("fgw_liaison", `延期 ${number} 8月31日 需跨部门调研论证`, "chat-fgw");
    expect(answer).toMatch(/^已提交延期申请（第\d+号）/);
    expect(answer).toContain("答复期限：2024年6月11日，申请延至2024年8月31日。");
    const request = await fx.db.request.findFirstOrThrow({ where: { assignmentId: ids.fgw } });
    expect(request).toMatchObject({
      type: "EXTENSION",
      status: "PENDING",
      reason: "需跨部门调研论证",
      requestedDeadline: day("2024-08-31"),
      requestedById: fx.people.fgw_liaison,
      decidedAt: null,
    });
    const notice = await fx.db.outbox.findUniqueOrThrow({ where: { dedupeKey: `request-filed:${request.id}` } });
    expect(notice).toMatchObject({ kind: "REQUEST_FILED", unitId: fx.units.office.id, assignmentId: ids.fgw });
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({ action: "request.filed", actorId: fx.people.fgw_liaison, chatId: "chat-fgw" });
    expect(event.after).toMatchObject({ request: request.id, type: "EXTENSION", requestedDeadline: "2024-08-31" });
    expect((await assignment(ids.fgw)).replyDeadline).toEqual(day("2024-06-11")); // only the office moves it

    const before = await snapshot(fx.db);
    expect(await say("fgw_handler", `延期 ${number} 2024-08-31 需跨部门调研论证`)).toBe(
      "该延期申请已提交，正在等待督办室审批，无需重复。",
    );
    expect(await say("fgw_handler", `延期 ${number} 2024-07-31 另一个理由`)).toBe(
      `无法申请延期：已有待审批的延期申请（第${request.id}号），请等待督办室审批（当前状态：办理中）。`,
    );
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("refuses a date past the cap, one not later than the deadline, and after the deadline passed", async () => {
    const { number } = await addCase(fx, { units: [lead] });
    const late = await addCase(fx, { assignedOn: "2023-11-01", units: [lead] }); // reply due 2024-02-01
    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `延期 ${number} 2024-10-31 理由`)).toBe(
      "无法申请延期：延期不能超过2024年9月11日（延期上限）（当前状态：办理中）。",
    );
    expect(await say("fgw_liaison", `延期 ${number} 5月1日 理由`)).toBe(
      "无法申请延期：申请的日期须晚于当前期限2024年6月11日（当前状态：办理中）。",
    );
    expect(await say("fgw_liaison", `延期 ${late.number} 4月30日 理由`)).toBe(
      "无法申请延期：延期须在期限届满前申请，期限2024年2月1日已过（当前状态：办理中）。",
    );
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("refuses before 签收, and answers bad arguments with the usage", async () => {
    const { number } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD" }] });
    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `延期 ${number} 8月31日 理由`)).toBe(
      `无法申请延期：该件尚未签收（当前状态：待签收）。请先发送「签收 ${number}」。`,
    );
    expect(await say("fgw_liaison", `延期 ${number} 下个月 理由`)).toMatch(
      /^日期「下个月」不认识或不存在。\n用法：`延期 <案号> <日期> <理由>`/,
    );
    expect(await say("fgw_liaison", `延期 ${number} 8月31日`)).toMatch(/^请写明延期理由。\n用法：/);
    expect(await snapshot(fx.db)).toBe(before);
  });
});

describe("调整", () => {
  it("files a request naming the unit it belongs to, within the window", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD" }] }); // window until 03-18
    const answer = await say("fgw_liaison", `调整 ${number} 改由市住建局 所提事项属住房建设职能`, "chat-fgw");
    expect(answer).toMatch(/^已提交调整申请（第\d+号）/);
    expect(answer).toContain("建议改由：市住房和城乡建设局");
    const request = await fx.db.request.findFirstOrThrow({ where: { assignmentId: ids.fgw } });
    expect(request).toMatchObject({
      type: "ADJUSTMENT",
      targetUnitId: fx.units.housing.id,
      reason: "所提事项属住房建设职能",
    });
    expect(await fx.db.outbox.count({ where: { dedupeKey: `request-filed:${request.id}` } })).toBe(1);
    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `调整 ${number} 改由市住建局 所提事项属住房建设职能`)).toBe(
      "该调整申请已提交，正在等待督办室审批，无需重复。",
    );
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("refuses after the window, and bad arguments", async () => {
    // 交办 2024-02-01: five working days, counting the makeup Sunday 02-04, end on 02-07.
    const { number } = await addCase(fx, { assignedOn: "2024-02-01", units: [lead] });
    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `调整 ${number} 不属本单位职责`)).toBe(
      "无法申请调整：调整申请期限已于2024年2月7日截止（当前状态：办理中）。",
    );
    expect(await say("fgw_liaison", `调整 ${number}`)).toMatch(/^请写明申请调整的理由。\n用法：/);
    expect(await say("fgw_liaison", `调整 ${number} 改由市水利局 理由`)).toContain("未知单位「市水利局」");
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("refuses to move the case to a unit already on it, at filing rather than at 批准", async () => {
    const { number } = await addCase(fx, {
      units: [
        { unit: "fgw", role: "LEAD" },
        { unit: "housing", role: "JOINT" },
      ],
    });
    const before = await snapshot(fx.db);
    expect(await say("fgw_liaison", `调整 ${number} 改由市住建局 应由住建局主办`)).toBe(
      "市住房和城乡建设局已是该件的会办单位（当前状态：待签收），不能改由它办理。" +
        "如需调换主办、会办，请督办室在交办清单中改好后重新导入。",
    );
    expect(await snapshot(fx.db)).toBe(before);
  });
});

describe("批准 and 驳回", () => {
  it("approves an extension: the deadline moves, the unit is told, a repeat is harmless", async () => {
    const { number, ids } = await addCase(fx, { units: [lead] });
    await say("fgw_liaison", `延期 ${number} 8月31日 需调研`);
    const request = await fx.db.request.findFirstOrThrow({ where: { assignmentId: ids.fgw } });
    const list = await say("zhangwei", "批准");
    expect(list).toContain(`- 第${request.id}号 延期：市政协五届二次会议第${number}号提案（市发展和改革委员会 主办）`);
    const answer = await say("zhangwei", `批准 ${request.id}`, "chat-office");
    expect(answer).toContain("答复期限延至2024年8月31日");
    expect(answer).toContain("已通知市发展和改革委员会");
    expect((await assignment(ids.fgw)).replyDeadline).toEqual(day("2024-08-31"));
    expect(await fx.db.request.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({
      status: "APPROVED",
      decidedById: fx.people.zhangwei,
    });
    expect(
      await fx.db.outbox.findUniqueOrThrow({ where: { dedupeKey: `request-decided:${request.id}` } }),
    ).toMatchObject({
      kind: "REQUEST_DECIDED",
      unitId: fx.units.fgw.id,
    });
    const event = await lastEvent(fx.db);
    expect(event).toMatchObject({ action: "request.approved", actorId: fx.people.zhangwei, chatId: "chat-office" });
    expect(event.before).toEqual({ replyDeadline: "2024-06-11" });
    expect(event.after).toEqual({ replyDeadline: "2024-08-31", request: request.id });

    const before = await snapshot(fx.db);
    expect(await say("zhangwei", `批准 ${request.id}`)).toBe(`第${request.id}号申请已批准，无需重复。`);
    expect(await say("zhangwei", `驳回 ${request.id}`)).toBe(
      `无法驳回：第${request.id}号申请已批准（当前状态：已批准）。`,
    );
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("approves an adjustment: the case moves to the new unit with fresh deadlines, and both units are told", async () => {
    const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD" }] });
    await say("fgw_liaison", `调整 ${number} 不属本单位职责`);
    const request = await fx.db.request.findFirstOrThrow({ where: { assignmentId: ids.fgw } });
    const before = await snapshot(fx.db);
    expect(await say("zhangwei", `批准 ${request.id}`)).toMatch(/请写明改由哪个单位办理。\n用法：/);
    expect(await snapshot(fx.db)).toBe(before);

    const answer = await say("zhangwei", `批准 ${request.id} 市住建局 同意调整`, "chat-office");
    expect(answer).toContain("改由市住房和城乡建设局主办");
    expect(answer).toContain("已通知市发展和改革委员会和市住房和城乡建设局");
    expect((await assignment(ids.fgw)).state).toBe("WITHDRAWN");
    const moved = await fx.db.assignment.findFirstOrThrow({
      where: { caseId: (await assignment(ids.fgw)).caseId, unitId: fx.units.housing.id },
    });
    // Counted from the approval day 03-15: 3 and 5 working days; 3 months → Sat 06-15 → Mon 06-17;
    // the cap, 6 months → Sun 09-15, in the 中秋 break (09-15..17) → 09-18.
    expect(moved).toMatchObject({
      role: "LEAD",
      state: "PENDING",
      signDeadline: day("2024-03-20"),
      adjustDeadline: day("2024-03-22"),
      replyDeadline: day("2024-06-17"),
      extensionCap: day("2024-09-18"),
    });
    const notices = await fx.db.outbox.findMany({ where: { kind: "ADJUSTED", caseId: moved.caseId } });
    expect(notices.map((n) => n.unitId).sort()).toEqual([fx.units.fgw.id, fx.units.housing.id].sort());
    const actions = await fx.db.event.findMany({ where: { caseId: moved.caseId }, orderBy: { id: "asc" } });
    expect(actions.map((e) => e.action).slice(-3)).toEqual([
      "assignment.withdrawn",
      "assignment.created",
      "request.approved",
    ]);

    expect(await say("fgw_liaison", `签收 ${number}`)).toBe("无法签收：该件已调整给其他单位办理（当前状态：已调整）。");
    expect(await say("housing_liaison", `签收 ${number}`)).toContain("已签收");
  });

  it("refuses a request with the reason noted, tells the unit, and answers unknown numbers", async () => {
    const { number, ids } = await addCase(fx, { units: [lead] });
    await say("fgw_liaison", `延期 ${number} 7月31日 需调研`);
    const request = await fx.db.request.findFirstOrThrow({ where: { assignmentId: ids.fgw } });
    expect(await say("zhangwei", `驳回 ${request.id} 理由不充分，请按期答复`)).toContain("已驳回");
    expect(await fx.db.request.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({
      status: "REFUSED",
      decisionNote: "理由不充分,请按期答复", // commands read NFKC-normalised text: full-width ， becomes ,
      decidedById: fx.people.zhangwei,
    });
    expect((await assignment(ids.fgw)).replyDeadline).toEqual(day("2024-06-11"));
    expect(await fx.db.outbox.count({ where: { dedupeKey: `request-decided:${request.id}` } })).toBe(1);
    expect((await lastEvent(fx.db)).action).toBe("request.refused");

    const before = await snapshot(fx.db);
    expect(await say("zhangwei", "批准 99999")).toBe("没有第99999号申请。发送「批准」查看待审批的申请。");
    expect(await say("zhangwei", "驳回 那个")).toMatch(/^「那个」不是申请编号。\n用法：/);
    expect(await snapshot(fx.db)).toBe(before);
  });
});
