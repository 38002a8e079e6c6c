// Answers of 统计, 总结 and 进度, kept in this process: they read every assignment in scope (a unit's five years are
// ~1,700 rows, 40–60 ms of database time), people ask them again and again, and the record they count changes
// rarely. An answer is reused only while the record is as it was when it was computed (recordVersion below), on the
// same day, for the same question from someone who sees the same units.
import { type Db, plainRows } from "../db/client.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import { seesAllUnits } from "./access.ts";
import type { Member } from "./command.ts";

/** Answers kept at most; each is a few KB of Markdown. */
const CAPACITY = 2_000;

/**
 * What the counted answers depend on, as one string. Every change to cases, assignments, replies, feedback,
 * contacts and follow-ups writes an Event in its own transaction (casework/events.ts: commands, imports, the demo
 * loader), so the newest Event id moves with them. Ids are taken before commit, so a transaction may commit after
 * one with a higher id: the count of the latest ids catches that late arrival, as long as fewer than WINDOW events
 * commit while it is in flight. Session policies (reply classes) and unit names and aliases (how a selection is read
 * and printed) are not Events: their tables are small, their latest change and their size are part of the version.
 */
const WINDOW = 1_000;

export async function recordVersion(db: Db): Promise<string> {
  const [row] = await plainRows<{ version: string }>(
    db,
    `SELECT concat_ws('/', e."latest", (SELECT count(*) FROM "Event" WHERE "id" > e."latest" - ${WINDOW}),
      (SELECT concat_ws(':', count(*), max("updatedAt")) FROM "Session"),
      (SELECT concat_ws(':', count(*), max("updatedAt")) FROM "Unit")) AS "version"
    FROM (SELECT COALESCE(max("id"), 0) AS "latest" FROM "Event") e`,
    [],
  );
  return row?.version ?? "";
}

export interface AnswerCache {
  /** The answer kept for this question, or a fresh one from `compute`, kept for the next asker. */
  answer(
    db: Db,
    question: { command: string; args: string; member: Member; today: CalendarDate },
    compute: () => Promise<string>,
  ): Promise<string>;
  /** How many answers are kept (for tests). */
  size(): number;
}

export function createAnswerCache(capacity = CAPACITY): AnswerCache {
  const kept = new Map<string, { version: string; answer: string }>();
  return {
    async answer(db, { command, args, member, today }, compute) {
      // The version is read before the answer is computed, so what is kept is never older than its version.
      const version = await recordVersion(db);
      const viewer = seesAllUnits(member) ? "all" : `unit ${member.unitId ?? "none"}`;
      const key = JSON.stringify([command, args, viewer, today]);
      const hit = kept.get(key);
      if (hit && hit.version === version) {
        kept.delete(key); // to the back: least recently used answers go first
        kept.set(key, hit);
        return hit.answer;
      }
      const answer = await compute();
      kept.delete(key);
      kept.set(key, { version, answer });
      if (kept.size > capacity) kept.delete(kept.keys().next().value as string);
      return answer;
    },
    size: () => kept.size,
  };
}
