// Where a unit's notices go and whom they @-mention. A unit's notices go to its bound group chats; a unit without one
// is reached through the office's group; the office's group is its bound chat, or the default webhook ("" key).
import type { Db } from "../db/client.ts";

/** The chat a notice is pushed to: a chatid, or "" for the office's default webhook (Notice.chatId null). */
export type ChatKey = string;

export const DEFAULT_CHAT: ChatKey = "";

export function noticeChatId(key: ChatKey): string | null {
  return key === DEFAULT_CHAT ? null : key;
}

export interface Routing {
  officeChat: ChatKey;
  /** A unit's own group chats, oldest binding first; none → the office chat. */
  chatsOf(unitId: number | null): ChatKey[];
  officeUnitIds: Set<number>;
}

export async function loadRouting(db: Db): Promise<Routing> {
  const chats = await db.groupChat.findMany({ orderBy: { id: "asc" }, include: { unit: true } });
  const officeUnits = await db.unit.findMany({ where: { isOffice: true }, select: { id: true } });
  const officeUnitIds = new Set(officeUnits.map((u) => u.id));
  const office = chats.find((c) => c.isOffice) ?? chats.find((c) => c.unit?.isOffice);
  const officeChat = office?.chatId ?? DEFAULT_CHAT;
  const byUnit = new Map<number, ChatKey[]>();
  for (const c of chats) {
    if (c.unitId === null || c.isOffice) continue;
    byUnit.set(c.unitId, [...(byUnit.get(c.unitId) ?? []), c.chatId]);
  }
  return {
    officeChat,
    officeUnitIds,
    chatsOf(unitId) {
      if (unitId === null || officeUnitIds.has(unitId)) return [officeChat];
      return byUnit.get(unitId) ?? [officeChat];
    },
  };
}

/** Userids to @-mention for each unit: its handler when one is set, else its liaisons; leaders for escalation. */
export async function loadPeople(db: Db, unitIds: number[]) {
  const people = await db.person.findMany({
    where: { unitId: { in: unitIds }, active: true, userid: { not: null } },
    orderBy: { id: "asc" },
    select: { id: true, userid: true, unitId: true, role: true },
  });
  const pick = (unitId: number, role: string) =>
    people.filter((p) => p.unitId === unitId && p.role === role).map((p) => p.userid ?? "");
  const byId = new Map(people.map((p) => [p.id, p.userid ?? ""]));
  return {
    /** The handler if set (and bound), else the unit's liaisons. */
    responsible(unitId: number, handlerId: number | null): string[] {
      const handler = handlerId === null ? undefined : byId.get(handlerId);
      return handler ? [handler] : pick(unitId, "liaison");
    },
    leaders: (unitId: number) => pick(unitId, "leader"),
  };
}
