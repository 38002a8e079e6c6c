// The reminder half of the tick: PostgreSQL finds the deadlines that can have a slot today (from the (state, deadline)
// indexes), the reminder rules decide each distinct date once per session policy, and one INSERT … SELECT writes the
// missing slots to ReminderSlot with ON CONFLICT DO NOTHING, so however often and on however many instances the tick
// runs, each (assignment, duty, deadline, day, audience, chat) exists once. Redis never sees a slot: only one digest
// job per chat that has something to send. bench/scheduler.ts measures it on a million open assignments.
import type { Logger } from "pino";
import { dutyRuleSql } from "../commands/duty-list.ts";
import type { Db } from "../db/client.ts";
import { addCalendarDays, type CalendarDate } from "../domain/calendar.ts";
import { DUTY_RULES } from "../domain/duties.ts";
import {
  candidateDeadlines,
  escalationDay,
  type ReminderPolicy,
  reminderSlotOn,
  resolveReminderPolicy,
} from "../domain/reminders.ts";
import type { Routing } from "./chats.ts";

/** The session's reminder policy; a broken override is logged and the defaults apply, so reminders never stop. */
export function sessionReminderPolicy(raw: unknown, log?: Logger): ReminderPolicy {
  try {
    return resolveReminderPolicy(raw);
  } catch (error) {
    log?.error({ err: error }, "届次的提醒设置无效，已按默认设置提醒");
    return resolveReminderPolicy();
  }
}

interface PolicyGroup {
  policy: ReminderPolicy;
  sessionIds: number[];
  /** The group holds every session (the usual case: all on the defaults). */
  allSessions: boolean;
}

/** Sessions grouped by their resolved reminder policy (usually one group: the defaults). */
async function policyGroups(db: Db, log?: Logger): Promise<PolicyGroup[]> {
  const sessions = await db.session.findMany({ select: { id: true, reminderPolicy: true } });
  const groups = new Map<string, PolicyGroup>();
  for (const s of sessions) {
    const policy = sessionReminderPolicy(s.reminderPolicy, log);
    const key = JSON.stringify(policy);
    const group = groups.get(key) ?? { policy, sessionIds: [], allSessions: false };
    group.sessionIds.push(s.id);
    groups.set(key, group);
  }
  for (const group of groups.values()) group.allSessions = group.sessionIds.length === sessions.length;
  return [...groups.values()];
}

/** The group's sessions ($1), for dutyRowsSql's filter: declared even when unused, so $1 always has a type. */
const SESSIONS_CTE = "sessions AS (SELECT unnest($1::int[]) AS id)";

/** A rule's open duties as rows (assignmentId, unitId, duty, deadline), filtered by `condition` on the deadline. */
function dutyRowsSql(condition: (column: string) => string, allSessions: boolean): string {
  // One group covering every session needs no join: each case belongs to some session.
  const inSessions = allSessions
    ? ""
    : `AND a."caseId" IN (SELECT c.id FROM "Case" c WHERE c."sessionId" IN (SELECT id FROM sessions))`;
  const parts = DUTY_RULES.map((rule) => {
    const column = `a."${rule.field}"`;
    return `SELECT a.id AS "assignmentId", a."unitId", '${rule.kind}' AS duty, ${column} AS deadline
      FROM "Assignment" a WHERE ${dutyRuleSql(rule)} ${inSessions}
        AND ${column} IS NOT NULL AND (${condition(column)})`;
  });
  // 续办 of B-class replies: each open FollowUp is a duty with its own date.
  parts.push(`SELECT a.id AS "assignmentId", a."unitId", 'FOLLOW_UP' AS duty, f."dueOn" AS deadline
    FROM "FollowUp" f JOIN "Assignment" a ON a.id = f."assignmentId"
    WHERE f.status = 'OPEN' AND a.state NOT IN ('CLOSED', 'WITHDRAWN') ${inSessions} AND (${condition(`f."dueOn"`)})`);
  return parts.join("\nUNION ALL\n");
}

/**
 * The distinct deadlines of open duties that can have a slot today, from the (state, deadline) indexes alone: the
 * days in the ranges ahead that some duty falls on (a few), and those on or before today, found by skipping through
 * each index (one probe per date) rather than reading every overdue duty.
 */
async function candidateDates(db: Db, today: CalendarDate, policy: ReminderPolicy): Promise<CalendarDate[]> {
  const { upTo, ranges } = candidateDeadlines(today, policy);
  const ahead: CalendarDate[] = [];
  for (const [lo, hi] of ranges) {
    for (let d = addCalendarDays(lo, 1); d <= hi; d = addCalendarDays(d, 1)) ahead.push(d);
  }
  const indexes = [
    ...DUTY_RULES.map((rule) => ({
      table: "Assignment",
      column: `"${rule.field}"`,
      where: `state = '${rule.state}'::"AssignmentState"`,
    })),
    { table: "FollowUp", column: `"dueOn"`, where: `status = 'OPEN'` },
  ];
  const past = indexes.map(({ table, column, where }) => {
    const next = (after: string) =>
      `SELECT ${column} FROM "${table}" WHERE ${where} AND ${column} <= $1::date ${after} ORDER BY ${column} LIMIT 1`;
    return `(WITH RECURSIVE r(d) AS ((${next("")}) UNION ALL
      SELECT (${next(`AND ${column} > r.d`)}) FROM r WHERE r.d IS NOT NULL) SELECT d FROM r WHERE d IS NOT NULL)`;
  });
  const taken = indexes
    .map(({ table, column, where }) => `EXISTS (SELECT 1 FROM "${table}" WHERE ${where} AND ${column} = a.d)`)
    .join(" OR ");
  const rows = await db.$queryRawUnsafe<{ deadline: string }[]>(
    `SELECT DISTINCT to_char(d, 'YYYY-MM-DD') AS deadline FROM (${past.join(" UNION ALL ")}
       UNION ALL SELECT a.d FROM unnest($2::date[]) AS a(d) WHERE ${taken}) p`,
    upTo,
    ahead,
  );
  return rows.map((r) => r.deadline);
}

/** What a deadline gets today: the regular reminder to the unit, and the one-off escalation (on its own day). */
export interface DeadlineSlots {
  unit: boolean;
  escalateOn: CalendarDate | null;
}

/**
 * The slots due today for a deadline, whatever the duty: decided once per distinct date (the rules depend only on
 * the date, today and the policy), so the database applies the decision to every assignment at once.
 */
export function slotsForDeadline(deadline: CalendarDate, today: CalendarDate, policy: ReminderPolicy): DeadlineSlots {
  const escalateOn = escalationDay(deadline, policy);
  return {
    unit: reminderSlotOn(deadline, today, policy) !== null,
    escalateOn: escalateOn !== null && escalateOn <= today ? escalateOn : null,
  };
}

type Audience = "UNIT" | "ESCALATION";

/**
 * Each unit's chats per audience, as JSON for the INSERT: its own groups (else the office's) and, for escalation,
 * the office's too. A unit missing here (created since) falls back to the office's chat, as routing.chatsOf does.
 */
async function audienceChats(db: Db, routing: Routing): Promise<string> {
  const units = await db.unit.findMany({ select: { id: true } });
  const chats: Record<Audience, Record<number, string[]>> = { UNIT: {}, ESCALATION: {} };
  for (const { id } of units) {
    chats.UNIT[id] = routing.chatsOf(id);
    chats.ESCALATION[id] = [...new Set([...routing.chatsOf(id), routing.officeChat])];
  }
  return JSON.stringify(chats);
}

/**
 * New slot rows one tick writes at most (a few hundred ms of inserts: each row also checks and locks its assignment).
 * A bigger day — only a very large record has one — is claimed over the next ticks, each chat's most urgent first and
 * every chat served in turn, while the first digests already go out.
 */
export const CLAIM_PER_TICK = 5000;

/**
 * Writes today's due slots (idempotent), at most `limit` new ones. Returns how many were new. PostgreSQL finds the
 * candidate deadlines, the rules decide each date once, and one INSERT … SELECT writes every (assignment, chat) row
 * not there yet: nothing per assignment crosses the wire.
 */
export async function claimDueSlots(
  db: Db,
  today: CalendarDate,
  routing: Routing,
  log?: Logger,
  limit: number = CLAIM_PER_TICK,
): Promise<number> {
  let created = 0;
  const groups = await policyGroups(db, log);
  const chats = await audienceChats(db, routing);
  for (const group of groups) {
    // Per deadline with a slot today: [audience, the day the slot is keyed by], one or two of them.
    const due: Record<CalendarDate, [Audience, CalendarDate][]> = {};
    const escalationDays = new Set<CalendarDate>();
    for (const deadline of await candidateDates(db, today, group.policy)) {
      const slots = slotsForDeadline(deadline, today, group.policy);
      const entries: [Audience, CalendarDate][] = [];
      if (slots.unit) entries.push(["UNIT", today]);
      if (slots.escalateOn !== null) {
        entries.push(["ESCALATION", slots.escalateOn]);
        escalationDays.add(slots.escalateOn);
      }
      if (entries.length > 0) due[deadline] = entries;
    }
    if (Object.keys(due).length === 0) continue;
    // Every lookup is spelled so that the plan cannot depend on the planner's guesses: the day's decisions and the
    // chats are JSON lookups per duty (a join was misjudged into a nested loop over every chat), and the slots that
    // exist already are read by their day (ReminderSlot keeps every day's, so a probe per duty or a join over the
    // whole table would grow with history). JIT compilation would cost more than it saves.
    const [, , inserted] = await db.$transaction([
      db.$executeRawUnsafe(`SET LOCAL jit = off`),
      db.$executeRawUnsafe(`SET LOCAL work_mem = '32MB'`),
      db.$executeRawUnsafe(
        `WITH ${SESSIONS_CTE},
         duties AS (${dutyRowsSql((column) => `${column} = ANY($2::date[])`, group.allSessions)}),
         slots AS (
           SELECT d."assignmentId", d.duty, d.deadline, (e ->> 1)::date AS "slotOn", e ->> 0 AS audience, chat."chatKey"
           FROM duties d
           CROSS JOIN LATERAL jsonb_array_elements($3::jsonb -> to_char(d.deadline, 'YYYY-MM-DD')) AS e
           CROSS JOIN LATERAL jsonb_array_elements_text(
             COALESCE($4::jsonb -> (e ->> 0) -> d."unitId"::text, jsonb_build_array($5::text))) AS chat("chatKey")),
         existing AS MATERIALIZED (
           SELECT "assignmentId", duty, deadline, "slotOn", audience, "chatKey" FROM "ReminderSlot"
           WHERE ("slotOn" = $7::date AND audience = 'UNIT') OR ("slotOn" = ANY($8::date[]) AND audience = 'ESCALATION')),
         missing AS (
           SELECT s.*, row_number() OVER (PARTITION BY s."chatKey" ORDER BY s.deadline, s."assignmentId") AS turn
           FROM slots s WHERE NOT EXISTS (SELECT 1 FROM existing r
             WHERE r."assignmentId" = s."assignmentId" AND r.duty = s.duty AND r.deadline = s.deadline
               AND r."slotOn" = s."slotOn" AND r.audience = s.audience AND r."chatKey" = s."chatKey"))
       INSERT INTO "ReminderSlot" ("assignmentId", "duty", "deadline", "slotOn", "audience", "chatKey")
       SELECT "assignmentId", duty, deadline, "slotOn", audience, "chatKey" FROM missing
       ORDER BY turn, deadline LIMIT $6
       ON CONFLICT DO NOTHING`,
        group.sessionIds,
        Object.keys(due),
        JSON.stringify(due),
        chats,
        routing.officeChat,
        limit - created,
        today,
        [...escalationDays],
      ),
    ]);
    created += inserted;
    if (created >= limit) break;
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
