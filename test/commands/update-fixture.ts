// The record the update-command tests act on: an office, three units with a leader, a liaison and a handler each, a
// city leader without a unit, group chats bound to units and to the office, and `addCase` to put one case in the state
// a test starts from. Deadlines come from the default policy; "today" is Friday 2024-03-15 for every message.
import { createPipeline } from "../../bot/pipeline.ts";
import { answerMessage } from "../../commands/index.ts";
import type { AssignmentRole, Db, Disclosure } from "../../db/client.ts";
import { assignmentDeadlines } from "../../domain/deadlines.ts";
import { DEFAULT_POLICY } from "../../domain/policy.ts";

export const TODAY = "2024-03-15";
export const SESSION = "市政协五届二次会议";
export const day = (d: string) => new Date(`${d}T00:00:00Z`);

export type UnitKey = "fgw" | "edu" | "housing";
export type Stage = "PENDING" | "IN_PROGRESS" | "REPLIED" | "WITHDRAWN";

export interface UpdateFixture {
  db: Db;
  sessionId: number;
  units: Record<UnitKey | "office", { id: number; name: string }>;
  /** Person ids by userid. */
  people: Record<string, number>;
}

/** userid → [name, role, unit]: `${unit}_leader`, `${unit}_liaison`, `${unit}_handler` for each unit. */
const STAFF: [string, string, "admin" | "leader" | "liaison" | "handler", UnitKey | "office" | null][] = [
  ["zhangwei", "张伟", "admin", "office"],
  ["city_leader", "李杰", "leader", null],
  ["fgw_leader", "李强", "leader", "fgw"],
  ["fgw_liaison", "李明", "liaison", "fgw"],
  ["fgw_handler", "王芳", "handler", "fgw"],
  ["edu_leader", "赵刚", "leader", "edu"],
  ["edu_liaison", "赵强", "liaison", "edu"],
  ["edu_handler", "钱丽", "handler", "edu"],
  ["housing_leader", "孙平", "leader", "housing"],
  ["housing_liaison", "孙丽", "liaison", "housing"],
  ["housing_handler", "周洁", "handler", "housing"],
];

export async function buildUpdateFixture(db: Db): Promise<UpdateFixture> {
  const unit = (name: string, aliases: string[], isOffice = false) =>
    db.unit.create({ data: { name, aliases, isOffice }, select: { id: true, name: true } });
  const units = {
    office: await unit("市政府督查室", ["督查室"], true),
    fgw: await unit("市发展和改革委员会", ["市发改委", "发改委"]),
    edu: await unit("市教育局", ["教育局"]),
    housing: await unit("市住房和城乡建设局", ["市住建局", "住建局"]),
  };
  const people: Record<string, number> = {};
  for (const [userid, name, role, key] of STAFF) {
    const unitId = key ? units[key].id : null;
    people[userid] = (await db.person.create({ data: { userid, name, role, unitId } })).id;
  }
  await db.groupChat.createMany({
    data: [
      { chatId: "chat-fgw", unitId: units.fgw.id },
      { chatId: "chat-edu", unitId: units.edu.id },
      { chatId: "chat-office", isOffice: true },
    ],
  });
  const session = await db.session.create({ data: { name: SESSION, body: "CPPCC", year: 2024 } });
  return { db, sessionId: session.id, units, people };
}

let nextNumber = 100;

export interface CaseSpec {
  number?: string;
  disclosure?: Disclosure;
  assignedOn?: string;
  units: { unit: UnitKey; role: AssignmentRole; stage?: Stage; replyClass?: string }[];
}

/** One case with its assignments in the given stages; returns its number and each unit's assignment id. */
export async function addCase(fx: UpdateFixture, spec: CaseSpec) {
  const number = spec.number ?? String(++nextNumber);
  const assignedOn = spec.assignedOn ?? "2024-03-11";
  const c = await fx.db.case.create({
    data: {
      kind: "PROPOSAL",
      sessionId: fx.sessionId,
      number,
      title: `关于第${number}号事项的提案`,
      disclosure: spec.disclosure ?? "PUBLIC",
      assignedOn: day(assignedOn),
    },
  });
  const ids: Partial<Record<UnitKey, number>> = {};
  for (const { unit, role, stage = "PENDING", replyClass = "A" } of spec.units) {
    const d = assignmentDeadlines(assignedOn, role, DEFAULT_POLICY);
    const dates = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v ? day(v) : null]));
    const signed = stage === "IN_PROGRESS" || stage === "REPLIED";
    const replied = stage === "REPLIED" ? { replyClass, repliedOn: day("2024-03-14") } : {};
    const a = await fx.db.assignment.create({
      data: {
        caseId: c.id,
        unitId: fx.units[unit].id,
        role,
        state: stage,
        ...(dates as { signDeadline: Date; adjustDeadline: Date }),
        ...(signed ? { signedAt: new Date("2024-03-12T09:00:00+08:00"), handlerId: fx.people[`${unit}_handler`] } : {}),
        ...replied,
      },
    });
    if (stage === "REPLIED") {
      await fx.db.reply.create({
        data: { assignmentId: a.id, round: 1, replyClass, repliedOn: day("2024-03-14"), signedBy: "李强" },
      });
    }
    ids[unit] = a.id;
  }
  return { caseId: c.id, number, ids };
}

let counter = 0;

/** Sends one message through the real pipeline; `chatId` null is a single chat. */
export function talker(db: Db) {
  const pipeline = createPipeline({ db, answer: (m) => answerMessage(db, m, { today: () => TODAY }) });
  return async (userid: string, text: string, chatId: string | null = null): Promise<string> => {
    const chatType = chatId ? "group" : "single";
    const msgid = `u-${++counter}`;
    const answer = await pipeline.receive({ msgid, transport: "console", chatType, chatId, userid, text });
    if (answer === null) throw new Error(`message ${msgid} not answered`);
    return answer;
  };
}

/** Every row a command could write, to show that a refused one wrote nothing. */
export async function snapshot(db: Db) {
  const byId = { orderBy: { id: "asc" as const } };
  return JSON.stringify({
    assignments: await db.assignment.findMany({ ...byId, omit: { updatedAt: true } }),
    contacts: await db.contactLog.findMany(byId),
    replies: await db.reply.findMany(byId),
    feedback: await db.feedback.findMany(byId),
    requests: await db.request.findMany(byId),
    followUps: await db.followUp.findMany(byId),
    people: await db.person.findMany({ ...byId, omit: { updatedAt: true } }),
    groups: await db.groupChat.findMany({ ...byId, omit: { updatedAt: true } }),
    events: await db.event.count(),
    outbox: await db.outbox.count(),
  });
}

/** The newest audit event. */
export function lastEvent(db: Db) {
  return db.event.findFirstOrThrow({ orderBy: { id: "desc" } });
}
