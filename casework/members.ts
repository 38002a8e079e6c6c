// The office's chat-side administration: adding members, changing a role, binding a WeCom userid to a person already
// on the list (imported without one), and binding a group chat to a unit or to the office. Each change is audited;
// doing the same thing twice changes nothing and says so.
import type { Db, GroupChat, Person, PersonRole, Unit } from "../db/client.ts";
import type { Actor } from "./assignments.ts";
import { recordEvent, type Tx } from "./events.ts";

export type PersonWithUnit = Person & { unit: Unit | null };

export type MemberChange =
  | { op: "add"; name: string; userid: string; unitId: number | null; role: PersonRole }
  /** `who` is a userid or a name; `unitId` narrows a name shared by several people. */
  | { op: "role"; who: string; unitId?: number | null; role: PersonRole }
  | { op: "bind"; who: string; unitId?: number | null; userid: string };

export type MemberResult =
  | { status: "done"; person: PersonWithUnit; before: Partial<Person> | null }
  | { status: "repeat"; person: PersonWithUnit }
  /** The userid belongs to someone else. */
  | { status: "taken"; person: PersonWithUnit }
  | { status: "missing" }
  | { status: "ambiguous"; people: PersonWithUnit[] }
  /** The change would leave the office without an active 督办 member. */
  | { status: "lastAdmin"; person: PersonWithUnit };

const withUnit = { unit: true } as const;

async function findPerson(tx: Tx, who: string, unitId: number | null | undefined) {
  const byUserid = await tx.person.findUnique({ where: { userid: who }, include: withUnit });
  if (byUserid) return [byUserid];
  const unit = unitId === undefined || unitId === null ? {} : { unitId };
  return tx.person.findMany({ where: { name: who, active: true, ...unit }, include: withUnit, orderBy: { id: "asc" } });
}

async function audit(tx: Tx, actor: Actor, action: string, before: unknown, after: unknown) {
  await recordEvent(tx, { actorId: actor.id, actorLabel: actor.label, chatId: actor.chatId, action, before, after });
}

/** 成员 添加 / 角色 / 绑定. */
export async function addOrUpdateMember(db: Db, actor: Actor, change: MemberChange): Promise<MemberResult> {
  return db.$transaction(async (tx) => {
    if (change.op === "add") {
      const { name, userid, unitId, role } = change;
      const holder = await tx.person.findUnique({ where: { userid }, include: withUnit });
      if (holder) {
        const same = holder.name === name && holder.unitId === unitId && holder.role === role && holder.active;
        return same ? { status: "repeat", person: holder } : { status: "taken", person: holder };
      }
      const person = await tx.person.create({ data: { name, userid, unitId, role }, include: withUnit });
      await audit(tx, actor, "person.created", null, { id: person.id, name, userid, unitId, role });
      return { status: "done", person, before: null };
    }
    const found = await findPerson(tx, change.who, change.unitId);
    const [person, other] = found;
    if (!person) return { status: "missing" };
    if (other) return { status: "ambiguous", people: found };
    if (change.op === "role") {
      if (person.role === change.role) return { status: "repeat", person };
      if (person.role === "admin" && person.active) {
        const admins = await tx.person.count({ where: { role: "admin", active: true } });
        if (admins <= 1) return { status: "lastAdmin", person };
      }
      const updated = await tx.person.update({
        where: { id: person.id },
        data: { role: change.role },
        include: withUnit,
      });
      await audit(
        tx,
        actor,
        "person.updated",
        { id: person.id, role: person.role },
        { id: person.id, role: change.role },
      );
      return { status: "done", person: updated, before: { role: person.role } };
    }
    if (person.userid === change.userid) return { status: "repeat", person };
    const holder = await tx.person.findUnique({ where: { userid: change.userid }, include: withUnit });
    if (holder) return { status: "taken", person: holder };
    const updated = await tx.person.update({
      where: { id: person.id },
      data: { userid: change.userid },
      include: withUnit,
    });
    await audit(
      tx,
      actor,
      "person.updated",
      { id: person.id, userid: person.userid },
      { id: person.id, userid: change.userid },
    );
    return { status: "done", person: updated, before: { userid: person.userid } };
  });
}

export type BindResult =
  | { status: "done"; before: GroupChat | null; chat: GroupChat }
  | { status: "repeat"; chat: GroupChat };

/** 绑定: this group chat now speaks for one unit (unitId) or for the office (unitId null). */
export async function bindGroup(
  db: Db,
  input: { actor: Actor; chatId: string; unitId: number | null },
): Promise<BindResult> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "GroupChat" WHERE "chatId" = ${input.chatId} FOR UPDATE`;
    const before = await tx.groupChat.findUnique({ where: { chatId: input.chatId } });
    const binding = { unitId: input.unitId, isOffice: input.unitId === null };
    if (before && before.unitId === binding.unitId && before.isOffice === binding.isOffice) {
      return { status: "repeat", chat: before };
    }
    const chat = await tx.groupChat.upsert({
      where: { chatId: input.chatId },
      create: { chatId: input.chatId, ...binding, boundById: input.actor.id },
      update: { ...binding, boundById: input.actor.id },
    });
    const was = before ? { unitId: before.unitId, isOffice: before.isOffice } : null;
    await audit(tx, input.actor, "groupchat.bound", was, { chatId: input.chatId, ...binding });
    return { status: "done", before, chat };
  });
}
