// Who is asking, and in which group: the member (active, by WeCom userid) with their unit, and the group's binding.
// Every message starts here, so it is plain SQL rather than two or three client calls (each costs more CPU than the
// query itself), and the askers of the messages that arrive together are read in one statement (db/batched.ts).
import { batched } from "../db/batched.ts";
import { type Db, type GroupChat, type Person, plainRows, type Unit } from "../db/client.ts";
import type { Member } from "./command.ts";

/** A row as row_to_json writes it: timestamps as ISO text, the rest as in the table. */
type Json<T> = Omit<T, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };

function withDates<T extends { createdAt: Date; updatedAt: Date }>(row: Json<T>): T {
  return { ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) } as T;
}

export interface Asker {
  member: Member | null;
  chat: GroupChat | null;
}

interface AskerRow {
  person: Json<Person> | null;
  unit: Json<Unit> | null;
  chat: Json<GroupChat> | null;
}

// Each lookup by its unique key (LATERAL … LIMIT 1 keeps the planner from hashing the whole table for one row). The
// arrays are hidden from the planner (db/client.ts, plainRows), so its one plan serves every batch.
const ASKERS_SQL = `SELECT row_to_json(p) AS "person", row_to_json(u) AS "unit", row_to_json(g) AS "chat"
  FROM unnest((SELECT $1::text[]), (SELECT $2::text[])) WITH ORDINALITY AS asked("userid", "chatId", "n")
    LEFT JOIN LATERAL (SELECT * FROM "Person" p WHERE p."userid" = asked."userid" AND p."active" LIMIT 1) p ON true
    LEFT JOIN LATERAL (SELECT * FROM "Unit" u WHERE u."id" = p."unitId" LIMIT 1) u ON true
    LEFT JOIN LATERAL (SELECT * FROM "GroupChat" g WHERE g."chatId" = asked."chatId" LIMIT 1) g ON true
  ORDER BY asked."n"`;

function toAsker(row: AskerRow | undefined): Asker {
  const member = row?.person
    ? { ...withDates<Person>(row.person), unit: row.unit ? withDates<Unit>(row.unit) : null }
    : null;
  const chat = row?.chat ? withDates<GroupChat>(row.chat) : null;
  return { member, chat };
}

type Question = { userid: string; chatId: string | null };
const lookups = new WeakMap<Db, (question: Question) => Promise<Asker>>();

export function findAsker(db: Db, userid: string, chatId: string | null): Promise<Asker> {
  let lookup = lookups.get(db);
  if (!lookup) {
    lookup = batched(async (questions: Question[]) => {
      const rows = await plainRows<AskerRow>(db, ASKERS_SQL, [
        questions.map((q) => q.userid),
        questions.map((q) => q.chatId),
      ]);
      return questions.map((_, i) => toAsker(rows[i]));
    });
    lookups.set(db, lookup);
  }
  return lookup({ userid, chatId });
}
