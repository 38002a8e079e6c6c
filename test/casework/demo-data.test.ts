// The demo data against real PostgreSQL: every state present, the seeds' real cases as written, deadlines from
// the session policy, past/near deadlines relative to "today", refusal on a non-empty database, determinism.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoDataRefusedError, type DemoSummary, loadDemoData, planDemo } from "../../casework/demo-data.ts";
import type { Db } from "../../db/client.ts";
import { addCalendarDays, type CalendarDate } from "../../domain/calendar.ts";
import { assignmentDeadlines, rehandleDeadline } from "../../domain/deadlines.ts";
import { resolvePolicy } from "../../domain/policy.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const TODAY = "2025-11-20";
const STATES = ["PENDING", "IN_PROGRESS", "OPINION_SENT", "REPLIED", "REHANDLING", "CLOSED", "WITHDRAWN"];
const iso = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

let main: TestDatabase;
let db: Db;
let summary: DemoSummary;

beforeAll(async () => {
  main = await createTestDatabase();
  db = main.db;
  summary = await loadDemoData(db, { today: TODAY });
});
afterAll(async () => {
  await main?.drop();
});

/** Everything the demo wrote, without ids and timestamps of the load itself, in a stable order. */
async function dump(d: Db) {
  const cases = await d.case.findMany({
    orderBy: [{ sessionId: "asc" }, { number: "asc" }],
    include: {
      session: true,
      leadingLeader: true,
      assignments: {
        orderBy: { unitId: "asc" },
        include: {
          unit: true,
          handler: true,
          contacts: true,
          replies: true,
          feedback: true,
          requests: true,
          followUps: true,
        },
      },
    },
  });
  return JSON.stringify(cases, (key, value) => (["id", "createdAt", "updatedAt"].includes(key) ? undefined : value));
}

async function counts(d: Db) {
  return Promise.all([
    d.session.count(),
    d.unit.count(),
    d.person.count(),
    d.groupChat.count(),
    d.case.count(),
    d.assignment.count(),
    d.contactLog.count(),
    d.reply.count(),
    d.feedback.count(),
    d.request.count(),
    d.followUp.count(),
    d.event.count(),
  ]);
}

describe("loadDemoData", () => {
  it("spreads the assignments over every state, as the summary says", async () => {
    const groups = await db.assignment.groupBy({ by: ["state"], _count: true });
    const byState = Object.fromEntries(groups.map((g) => [g.state, g._count]));
    for (const s of STATES) expect(byState[s], s).toBeGreaterThan(0);
    expect(summary.byState).toEqual(byState);
    expect(summary.assignments).toBe(await db.assignment.count());
    expect(summary.cases).toBe(await db.case.count());
    expect(summary.cases).toBeGreaterThanOrEqual(55);
    expect(summary.sessions).toBe(3);
    expect(summary.units).toBeGreaterThanOrEqual(15);
    expect(summary.units).toBeLessThanOrEqual(25);
    expect(summary.people).toBe(await db.person.count());
  });

  it("has the seeds' real cases with their numbers and sessions as written", async () => {
    const c205 = await db.case.findFirst({
      where: { kind: "PROPOSAL", number: "205", session: { name: "市政协五届二次会议", body: "CPPCC" } },
      include: { assignments: { include: { unit: true } } },
    });
    expect(c205?.title).toBe("关于推动我市招商引资工作高质量发展的提案");
    expect(c205?.proposers).toEqual(["刘定东"]);
    const lead = c205?.assignments.find((a) => a.role === "LEAD");
    expect(lead?.unit.name).toBe("市招商和经济合作局");
    expect(lead?.unit.aliases).toContain("安康市招商和经济合作局");
    expect(lead?.replyClass).toBe("A");

    const c0484 = await db.case.findFirst({
      where: { kind: "SUGGESTION", number: "0484" },
      include: { session: true },
    });
    expect(c0484?.title).toBe("关于招商引资工作的建议");
    expect(c0484?.session.name).toBe("省十三届人大三次会议");
    expect(c0484?.proposers).toEqual(["杨艳芳"]);

    expect(await db.case.count({ where: { number: "0072", kind: "PROPOSAL" } })).toBe(1);
    expect(await db.case.count({ where: { number: "0064", kind: "SUGGESTION" } })).toBe(1);
    expect(await db.case.count({ where: { title: { contains: "抚仙湖" } } })).toBe(1); // 玉溪
    expect(await db.assignment.count({ where: { unit: { name: "寿县人民政府" } } })).toBeGreaterThan(0);
    const ndrc = await db.unit.findUnique({ where: { name: "市发展和改革委员会" } });
    expect(ndrc?.aliases).toContain("市发改委");
  });

  it("has overdue and near-due open assignments relative to today", async () => {
    const open = await db.assignment.findMany({ where: { state: { in: ["PENDING", "IN_PROGRESS", "REHANDLING"] } } });
    const due = (a: (typeof open)[number]) =>
      iso(
        a.state === "PENDING"
          ? a.signDeadline
          : a.state === "REHANDLING"
            ? a.rehandleDeadline
            : (a.replyDeadline ?? a.opinionDeadline),
      ) as CalendarDate;
    const soon = addCalendarDays(TODAY, 14);
    const kinds = (pred: (d: CalendarDate) => boolean) => new Set(open.filter((a) => pred(due(a))).map((a) => a.state));
    expect(kinds((d) => d < TODAY)).toEqual(new Set(["PENDING", "IN_PROGRESS", "REHANDLING"]));
    expect(kinds((d) => d >= TODAY && d <= soon)).toEqual(new Set(["PENDING", "IN_PROGRESS", "REHANDLING"]));
    expect(open.some((a) => due(a) > addCalendarDays(TODAY, 60))).toBe(true);
  });

  it("takes every deadline from the session's policy", async () => {
    const all = await db.assignment.findMany({ include: { case: { include: { session: true } }, feedback: true } });
    for (const a of all) {
      const policy = resolvePolicy(a.case.session.policy);
      const expected = assignmentDeadlines(iso(a.case.assignedOn) as CalendarDate, a.role, policy);
      const actual = {
        signDeadline: iso(a.signDeadline),
        adjustDeadline: iso(a.adjustDeadline),
        opinionDeadline: iso(a.opinionDeadline),
        replyDeadline: iso(a.replyDeadline),
        extensionCap: iso(a.extensionCap),
      };
      expect(actual, `assignment ${a.id}`).toEqual(expected);
      const unsatisfied = a.feedback.find((f) => f.rating === "UNSATISFIED");
      if (a.state === "REHANDLING") {
        expect(iso(a.rehandleDeadline)).toBe(rehandleDeadline(iso(unsatisfied?.receivedOn ?? null) ?? "", policy));
      }
    }
    const cppcc = await db.session.findUnique({ where: { name: "市政协五届二次会议" } });
    expect(cppcc?.policy).toEqual({ reply: { months: 5 }, opinion: { months: 2 } });
  });

  it("stages the workflow: requests, follow-ups, replies, contacts, groups, flags, events", async () => {
    const pendingTypes = await db.request.findMany({ where: { status: "PENDING" }, select: { type: true } });
    expect(new Set(pendingTypes.map((r) => r.type))).toEqual(new Set(["EXTENSION", "ADJUSTMENT"]));
    const moved = await db.request.findFirst({
      where: { type: "ADJUSTMENT", status: "APPROVED" },
      include: { assignment: true },
    });
    expect(moved?.assignment.state).toBe("WITHDRAWN");
    const replacement = await db.assignment.findFirst({
      where: { caseId: moved?.assignment.caseId, unitId: moved?.targetUnitId ?? -1 },
    });
    expect(replacement?.state).toBe("IN_PROGRESS");

    const followUp = await db.followUp.findFirst({ where: { status: "OPEN" }, include: { assignment: true } });
    expect(followUp?.assignment.replyClass).toBe("B");
    const replied = await db.assignment.findMany({
      where: { state: { in: ["REPLIED", "REHANDLING", "CLOSED"] } },
      include: { replies: true },
    });
    for (const a of replied) expect(a.replies.length, `assignment ${a.id}`).toBeGreaterThan(0);
    const classes = new Set(replied.map((a) => a.replyClass));
    expect(classes).toEqual(new Set(["A", "B", "C"]));
    const ratings = await db.feedback.groupBy({ by: ["rating"], _count: true });
    expect(ratings.map((r) => r.rating).sort()).toEqual(["BASICALLY_SATISFIED", "SATISFIED", "UNSATISFIED"]);

    const stages = await db.contactLog.groupBy({ by: ["stage"], _count: true });
    expect(stages).toHaveLength(3);
    expect(await db.contactLog.count({ where: { form: "FACE" } })).toBeGreaterThan(0);

    expect(await db.groupChat.findUnique({ where: { chatId: "demo-office-group" } })).toMatchObject({ isOffice: true });
    const unitGroup = await db.groupChat.findFirst({ where: { unitId: { not: null } } });
    expect(unitGroup?.unitId).not.toBeNull();
    expect(await db.case.count({ where: { disclosure: "NOT_PUBLIC" } })).toBeGreaterThan(0);
    expect(await db.case.count({ where: { isPriority: true, leadingLeaderId: { not: null } } })).toBeGreaterThan(0);
    expect(await db.unit.count({ where: { isOffice: true } })).toBe(1);
    for (const role of ["admin", "leader", "liaison", "handler"] as const) {
      expect(await db.person.count({ where: { role } })).toBeGreaterThan(0);
    }
    expect(await db.event.count({ where: { actorLabel: "demo", action: "demo.loaded" } })).toBe(summary.cases + 1);
  });

  it("leaves nothing 已答复 that the app would have closed: satisfied, no open 续办, nothing left to publish", async () => {
    const replied = await db.assignment.findMany({
      where: { state: "REPLIED" },
      include: { feedback: true, followUps: true, case: true },
    });
    const stuck = replied.filter((a) => {
      const latest = a.feedback.sort((x, y) => y.round - x.round)[0];
      const satisfied = latest && latest.rating !== "UNSATISFIED";
      const followUpOpen = a.followUps.some((f) => f.status === "OPEN");
      const publishPending = a.case.disclosure === "PUBLIC" && a.publishedOn === null;
      return satisfied && !followUpOpen && !publishPending;
    });
    expect(stuck.map((a) => a.case.number)).toEqual([]);
  });

  it("records nothing after today", () => {
    for (const today of [TODAY, "2026-02-17", "2025-10-03", "2026-05-01", "2027-01-04"]) {
      const plan = planDemo(today);
      const day = (d: Date | string | null | undefined) => (d instanceof Date ? iso(d) : d) ?? "";
      const dates = [
        ...plan.assignments.flatMap((a) =>
          ["signedOn", "opinionSentOn", "repliedOn", "publishedOn", "closedOn"].map((k) =>
            k === "signedOn" ? a.signedOn : a.dates[k],
          ),
        ),
        ...plan.contacts.map((c) => day(c.contactedOn)),
        ...plan.replies.map((r) => day(r.repliedOn)),
        ...plan.feedback.map((f) => day(f.receivedOn)),
        ...plan.cases.map((c) => c.assignedOn),
      ];
      expect(
        dates.filter((d) => d && d > today),
        today,
      ).toEqual([]);
      expect(new Set(plan.assignments.map((a) => a.state)).size, today).toBe(STATES.length);
    }
  });

  it("refuses a second load and changes nothing", async () => {
    const before = await counts(db);
    const snapshot = await dump(db);
    await expect(loadDemoData(db, { today: TODAY })).rejects.toBeInstanceOf(DemoDataRefusedError);
    expect(await counts(db)).toEqual(before);
    expect(await dump(db)).toBe(snapshot);
  });

  it("gives the same data for the same today", async () => {
    const other = await createTestDatabase();
    try {
      expect(await loadDemoData(other.db, { today: TODAY })).toEqual(summary);
      expect(await dump(other.db)).toBe(await dump(db));
    } finally {
      await other.drop();
    }
  });
});
