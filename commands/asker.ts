// Who is asking, and in which group: the member (active, by WeCom userid) with their unit, and the group's binding,
// read in one round trip. Every message starts here, so it is one plain SQL query rather than two or three client
// calls, each of which costs more CPU than the query itself.
import { type Db, type GroupChat, type Person, plainRows, type Unit } from "../db/client.ts";
import type { Member } from "./command.ts";

/** A row as row_to_json writes it: timestamps as ISO text, the rest as in the table. */
type Json<T> = Omit<T, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };

function withDates<T extends { createdAt: Date; updatedAt: Date }>(row: Json<T>): T {
  return { ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) } as T;
}

export async function findAsker(
  db: Db,
  userid: string,
  chatId: string | null,
): Promise<{ member: Member | null; chat: GroupChat | null }> {
  const [row] = await plainRows<{ person: Json<Person> | null; unit: Json<Unit> | null; chat: Json<GroupChat> | null }>(
    db,
    `SELECT row_to_json(p) AS "person", row_to_json(u) AS "unit", row_to_json(g) AS "chat"
    FROM (SELECT 1) AS asked
      LEFT JOIN "Person" p ON p."userid" = $1 AND p."active"
      LEFT JOIN "Unit" u ON u."id" = p."unitId"
      LEFT JOIN "GroupChat" g ON g."chatId" = $2`,
    [userid, chatId],
  );
  const member = row?.person
    ? { ...withDates<Person>(row.person), unit: row.unit ? withDates<Unit>(row.unit) : null }
    : null;
  const chat = row?.chat ? withDates<GroupChat>(row.chat) : null;
  return { member, chat };
}
