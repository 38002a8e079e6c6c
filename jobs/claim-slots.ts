// The reminder half of the tick: PostgreSQL computes which deadlines have a slot today (an indexed range query per
// duty rule and session policy), and the slots are written to ReminderSlot with ON CONFLICT DO NOTHING, so however
// often and on however many instances the tick runs, each (assignment, duty, deadline, day, audience, chat) exists
// once. Redis never sees a slot: only one digest job per chat that has something to send.
import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import { DUTY_RULES } from "../domain/duties.ts";
import {
  candidateDeadlines,
  escalationDay,
  type ReminderPolicy,
  reminderSlotOn,
  resolveReminderPolicy,
} from "../domain/reminders.ts";
import type { Routing } from "./chats.ts";

interface Candidate {
  assignmentId: number;
  unitId: number;
  duty: string;
  deadline: CalendarDate;
}

export interface SlotRow {
  assignmentId: number;
  duty: string;
  deadline: CalendarDate;
  slotOn: CalendarDate;
  audience: "UNIT" | "ESCALATION";
  chatKey: string;
}

/** The session's reminder policy; a broken override is logged and the defaults apply, so reminders never stop. */
export function sessionReminderPolicy(raw: unknown, log?: Logger): ReminderPolicy {
  try {
    return resolveReminderPolicy(raw);
  } catch (error) {
    log?.error({ err: error }, "届次的提醒设置无效，已按默认设置提醒");
    return resolveReminderPolicy();
  }
}

/** Sessions grouped by their resolved reminder policy (usually one group: the defaults). */
async function policyGroups(db: Db, log?: Logger): Promise<{ policy: ReminderPolicy; sessionIds: number[] }[]> {
  const sessions = await db.session.findMany({ select: { id: true, reminderPolicy: true } });
  const groups = new Map<string, { policy: ReminderPolicy; sessionIds: number[] }>();
  for (const s of sessions) {
    const policy = sessionReminderPolicy(s.reminderPolicy, log);
    const key = JSON.stringify(policy);
    const group = groups.get(key) ?? { policy, sessionIds: [] };
    group.sessionIds.push(s.id);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Open duties whose deadline can have a slot today, for one group of sessions. */
async function findCandidates(db: Db, today: CalendarDate, policy: ReminderPolicy, sessionIds: number[]) {
  const { upTo, ranges } = candidateDeadlines(today, policy);
  const found: Candidate[] = [];
  const params: unknown[] = [sessionIds, upTo];
  const rangeSql = (column: string) =>
    [
      `${column} <= $2::date`,
      ...ranges.map((_, i) => `(${column} > $${3 + 2 * i}::date AND ${column} <= $${4 + 2 * i}::date)`),
    ].join(" OR ");
  for (const [lo, hi] of ranges) params.push(lo, hi);

  for (const rule of DUTY_RULES) {
    const column = `a."${rule.field}"`;
    const roles = rule.roles ? `AND a.role::text IN (${rule.roles.map((r) => `'${r}'`).join(", ")})` : "";
    const published = rule.kind === "PUBLISH" ? `AND a."publishedOn" IS NULL` : "";
    const rows = await db.$queryRawUnsafe<{ assignmentId: number; unitId: number; deadline: string }[]>(
      `SELECT a.id AS "assignmentId", a."unitId", to_char(${column}, 'YYYY-MM-DD') AS deadline
       FROM "Assignment" a JOIN "Case" c ON c.id = a."caseId"
       WHERE a.state = '${rule.state}'::"AssignmentState" ${roles} ${published}
         AND c."sessionId" = ANY($1::int[]) AND ${column} IS NOT NULL AND (${rangeSql(column)})`,
      ...params,
    );
    for (const r of rows) found.push({ ...r, duty: rule.kind });
  }
  // 续办 of B-class replies: each open FollowUp is a duty with its own date.
  const followUps = await db.$queryRawUnsafe<{ assignmentId: number; unitId: number; deadline: string }[]>(
    `SELECT a.id AS "assignmentId", a."unitId", to_char(f."dueOn", 'YYYY-MM-DD') AS deadline
     FROM "FollowUp" f JOIN "Assignment" a ON a.id = f."assignmentId" JOIN "Case" c ON c.id = a."caseId"
     WHERE f.status = 'OPEN' AND a.state NOT IN ('CLOSED', 'WITHDRAWN')
       AND c."sessionId" = ANY($1::int[]) AND (${rangeSql(`f."dueOn"`)})`,
    ...params,
  );
  for (const r of followUps) found.push({ ...r, duty: "FOLLOW_UP" });
  return found;
}

/** The slots due today for these candidates: the regular reminder to the unit, and the one-off escalation. */
export function slotsFor(
  candidates: Candidate[],
  today: CalendarDate,
  policy: ReminderPolicy,
  routing: Routing,
): SlotRow[] {
  const rows: SlotRow[] = [];
  for (const c of candidates) {
    const base = { assignmentId: c.assignmentId, duty: c.duty, deadline: c.deadline };
    const unitChats = routing.chatsOf(c.unitId);
    if (reminderSlotOn(c.deadline, today, policy)) {
      for (const chatKey of unitChats) rows.push({ ...base, slotOn: today, audience: "UNIT", chatKey });
    }
    const escalateOn = escalationDay(c.deadline, policy);
    if (escalateOn !== null && escalateOn <= today) {
      for (const chatKey of new Set([...unitChats, routing.officeChat])) {
        rows.push({ ...base, slotOn: escalateOn, audience: "ESCALATION", chatKey });
      }
    }
  }
  return rows;
}

/** Writes today's due slots (idempotent). Returns how many were new. */
export async function claimDueSlots(db: Db, today: CalendarDate, routing: Routing, log?: Logger): Promise<number> {
  let created = 0;
  for (const { policy, sessionIds } of await policyGroups(db, log)) {
    const rows = slotsFor(await findCandidates(db, today, policy, sessionIds), today, policy, routing);
    for (let i = 0; i < rows.length; i += 10_000) {
      created += await db.$executeRawUnsafe(
        `INSERT INTO "ReminderSlot" ("assignmentId", "duty", "deadline", "slotOn", "audience", "chatKey")
         SELECT v."assignmentId", v."duty", v."deadline", v."slotOn", v."audience", v."chatKey"
         FROM jsonb_to_recordset($1::jsonb) AS v("assignmentId" int, "duty" text, "deadline" date, "slotOn" date,
           "audience" text, "chatKey" text)
         ON CONFLICT DO NOTHING`,
        JSON.stringify(rows.slice(i, i + 10_000)),
      );
    }
  }
  return created;
}

/** Chats with slots waiting and not held by a worker: one digest job each. */
export async function chatsWithPendingSlots(db: Db, now: Date): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ chatKey: string }[]>(
    `SELECT DISTINCT "chatKey" FROM "ReminderSlot"
     WHERE status = 'PENDING' AND ("leaseUntil" IS NULL OR "leaseUntil" <= $1::timestamptz)`,
    now.toISOString(),
  );
  return rows.map((r) => r.chatKey);
}
