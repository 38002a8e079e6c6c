// The record for the scheduler benchmark, generated in SQL (generate_series) so a million assignments take seconds:
// 60 units each bound to a group chat, the office's group, two sessions, and cases of two assignments each (主办 or
// 分办 plus 会办 or 协办), every assignment open, in realistic states. Each assignment's current deadline is spread
// over the coming six months, with a small share already overdue, so a realistic fraction has a reminder slot today.
// Pseudo-random choices come from hashint4, so every run builds the same record.
import pg from "pg";
import type { CalendarDate } from "../domain/calendar.ts";
import { weekOf } from "../jobs/weekly-progress.ts";

export const UNIT_COUNT = 60;
const OFFICE_ID = UNIT_COUNT + 1;
/** Overdue share of open assignments, in per mille (each one is reminded every working day). */
const OVERDUE_PER_MILLE = 15;
/** The coming months over which the other deadlines spread (calendar days). */
const HORIZON_DAYS = 180;

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Sessions, units, chats and people; and this week's 进度 digest as already sent (it goes out on the first working
 * day of the week, so a tick later in the week finds it done, as in a running system).
 */
export async function seedScheduleWorld(url: string, today: CalendarDate): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(`
      INSERT INTO "Session" (id, name, body, year, "updatedAt") VALUES
        (1, '市十七届人大二次会议', 'CONGRESS', 2026, now()), (2, '市政协五届二次会议', 'CPPCC', 2026, now());
      INSERT INTO "Unit" (id, name, aliases, "isOffice", "updatedAt")
        SELECT u, '市第' || u || '承办局', ARRAY[u || '局'], false, now() FROM generate_series(1, ${UNIT_COUNT}) u;
      INSERT INTO "Unit" (id, name, "isOffice", "updatedAt") VALUES (${OFFICE_ID}, '市政府督查室', true, now());
      INSERT INTO "GroupChat" ("chatId", name, "unitId", "isOffice", "updatedAt")
        SELECT 'chat-unit-' || u, '第' || u || '局办理群', u, false, now() FROM generate_series(1, ${UNIT_COUNT}) u;
      INSERT INTO "GroupChat" ("chatId", name, "isOffice", "updatedAt") VALUES ('chat-office', '督办室', true, now());
      INSERT INTO "Person" (name, userid, "unitId", role, "updatedAt")
        SELECT '领导' || u, 'leader' || u, u, 'leader'::"PersonRole", now() FROM generate_series(1, ${UNIT_COUNT}) u
        UNION ALL SELECT '联络员' || u, 'liaison' || u, u, 'liaison'::"PersonRole", now() FROM generate_series(1, ${UNIT_COUNT}) u;
      SELECT setval(pg_get_serial_sequence('"Session"', 'id'), 2);
      SELECT setval(pg_get_serial_sequence('"Unit"', 'id'), ${OFFICE_ID});`);
    await client.query(
      `INSERT INTO "Outbox" (kind, "dedupeKey", "unitId", payload, status, "sentAt")
       VALUES ('DIGEST', $1, ${OFFICE_ID}, '{}', 'SENT', now())`,
      [`weekly-progress:${weekOf(today)}`],
    );
  });
}

/**
 * Cases (fromCase..toCase], two open assignments each, and a 续办 FollowUp for each B-class reply among them.
 * Assignment ids are 2·case − 1 (主办/分办) and 2·case (会办/协办).
 */
export async function generateCases(url: string, today: CalendarDate, fromCase: number, toCase: number) {
  const d = `'${today}'::date`;
  // The current duty's deadline of assignment j: overdue by 1–30 days, or within the next HORIZON_DAYS.
  const deadline = (j: string) =>
    `(${d} + CASE WHEN abs(hashint4(${j})) % 1000 < ${OVERDUE_PER_MILLE} THEN -1 - abs(hashint4(${j} + 7)) % 30
       ELSE abs(hashint4(${j} + 7)) % ${HORIZON_DAYS + 1} END)`;
  // A state draw in 0..99 for assignment j.
  const draw = (j: string) => `(abs(hashint4(${j} + 13)) % 100)`;
  await withClient(url, async (client) => {
    await client.query(`
      INSERT INTO "Case" (id, kind, "sessionId", number, title, proposers, "isPriority", "assignedOn", "updatedAt")
        SELECT i, CASE WHEN i % 2 = 0 THEN 'PROPOSAL' ELSE 'SUGGESTION' END::"CaseKind", 2 - i % 2,
          lpad(i::text, 6, '0'), '关于推进第' || i || '项民生事项的' || CASE WHEN i % 2 = 0 THEN '提案' ELSE '建议' END,
          ARRAY['王伟', '李娜'], i % 20 = 0, ${d} - 60 - abs(hashint4(i)) % 30, now()
        FROM generate_series(${fromCase + 1}, ${toCase}) i;
      SELECT setval(pg_get_serial_sequence('"Case"', 'id'), ${toCase});`);
    // 主办/分办: 10% 待签收, 70% 办理中, 15% 已答复 awaiting 公开 (a tenth of those B-class, 续办), 5% 重新办理.
    await client.query(`
      INSERT INTO "Assignment" (id, "caseId", "unitId", role, state, "signedAt", "signDeadline", "adjustDeadline",
          "replyDeadline", "rehandleDeadline", "publishDeadline", "replyClass", "repliedOn", "updatedAt")
        SELECT j, i, 1 + i % ${UNIT_COUNT}, CASE WHEN i % 10 = 0 THEN 'SEPARATE' ELSE 'LEAD' END::"AssignmentRole",
          s.state::"AssignmentState",
          CASE WHEN s.state = 'PENDING' THEN NULL ELSE now() - interval '50 days' END,
          CASE WHEN s.state = 'PENDING' THEN s.due ELSE ${d} - 50 END, ${d} - 45,
          CASE WHEN s.state = 'IN_PROGRESS' THEN s.due WHEN s.state = 'PENDING' THEN s.due + 90 ELSE ${d} - 20 END,
          CASE WHEN s.state = 'REHANDLING' THEN s.due END,
          CASE WHEN s.state = 'REPLIED' THEN s.due END,
          CASE WHEN s.state IN ('REPLIED', 'REHANDLING') THEN CASE WHEN i % 10 = 0 THEN 'B' ELSE 'A' END END,
          CASE WHEN s.state IN ('REPLIED', 'REHANDLING') THEN ${d} - 25 END, now()
        FROM generate_series(${fromCase + 1}, ${toCase}) i, LATERAL (SELECT 2 * i - 1 AS j) k,
          LATERAL (SELECT ${deadline("k.j")} AS due, CASE WHEN ${draw("k.j")} < 10 THEN 'PENDING'
            WHEN ${draw("k.j")} < 80 THEN 'IN_PROGRESS' WHEN ${draw("k.j")} < 95 THEN 'REPLIED'
            ELSE 'REHANDLING' END AS state) s;`);
    // 会办/协办 on another unit: 10% 待签收, 90% 办理中 (意见 not yet sent).
    await client.query(`
      INSERT INTO "Assignment" (id, "caseId", "unitId", role, state, "signedAt", "signDeadline", "adjustDeadline",
          "opinionDeadline", "updatedAt")
        SELECT j, i, 1 + (i % ${UNIT_COUNT} + 1 + (i / ${UNIT_COUNT}) % ${UNIT_COUNT - 1}) % ${UNIT_COUNT},
          CASE WHEN i % 3 = 0 THEN 'ASSIST' ELSE 'JOINT' END::"AssignmentRole", s.state::"AssignmentState",
          CASE WHEN s.state = 'PENDING' THEN NULL ELSE now() - interval '50 days' END,
          CASE WHEN s.state = 'PENDING' THEN s.due ELSE ${d} - 50 END, ${d} - 45,
          CASE WHEN s.state = 'PENDING' THEN s.due + 30 ELSE s.due END, now()
        FROM generate_series(${fromCase + 1}, ${toCase}) i, LATERAL (SELECT 2 * i AS j) k,
          LATERAL (SELECT ${deadline("k.j")} AS due,
            CASE WHEN ${draw("k.j")} < 10 THEN 'PENDING' ELSE 'IN_PROGRESS' END AS state) s;
      SELECT setval(pg_get_serial_sequence('"Assignment"', 'id'), ${2 * toCase});`);
    await client.query(`
      INSERT INTO "FollowUp" ("assignmentId", "dueOn")
        SELECT id, ${d} + abs(hashint4(id + 29)) % ${HORIZON_DAYS + 1} FROM "Assignment"
        WHERE "replyClass" = 'B' AND state = 'REPLIED' AND id > ${2 * fromCase} AND id <= ${2 * toCase};
      ANALYZE;`);
  });
}
