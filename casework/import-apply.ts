// Writing an import plan (see import-plan.ts): a few batched statements for the whole file, each sending its rows as
// one JSON document (jsonb_to_recordset), then the events and notices. Per-row statements would be far too slow.
import { bodyOfSessionName, CASE_KIND_LABEL, ROLE_LABEL } from "../domain/labels.ts";
import { type EventInput, enqueueNotices, type NoticeInput, recordEvents, type Tx } from "./events.ts";
import type { CaseRow } from "./import-cases.ts";
import type { AssignmentWrite, ImportPlan } from "./import-plan.ts";

const DEADLINE_COLUMNS = `"signDeadline" date, "adjustDeadline" date, "opinionDeadline" date, "replyDeadline" date,
  "extensionCap" date`;

/** The fields of a case that the list sets, as the batched statements read them. */
function caseFields(r: CaseRow) {
  const { title, proposers, isPriority, disclosure, assignedOn } = r;
  return { title, proposers, isPriority, disclosure, assignedOn };
}

function payload(w: AssignmentWrite) {
  const { row } = w;
  return {
    caseKind: row.kind,
    caseKindLabel: CASE_KIND_LABEL[row.kind],
    session: row.sessionName,
    number: row.number,
    title: row.title,
    isPriority: row.isPriority,
    unit: w.unitName,
    role: w.role,
    roleLabel: ROLE_LABEL[w.role],
    assignedOn: row.assignedOn,
    ...w.deadlines,
  };
}

/** Writes the plan: a few statements for the whole file, then its events and notices. Call inside a transaction. */
export async function applyPlan(tx: Tx, plan: ImportPlan, actorLabel: string): Promise<void> {
  const sessionIds = new Map(plan.sessions.flatMap((s) => (s.id === null ? [] : [[s.key, s.id] as const])));
  const fresh = plan.sessions.filter((s) => s.id === null);
  if (fresh.length > 0) {
    const created = await tx.session.createManyAndReturn({
      data: fresh.map((s) => ({ name: s.name, body: bodyOfSessionName(s.name), year: s.year })),
      select: { id: true, name: true },
    });
    for (const s of created) sessionIds.set(s.name, s.id); // a new session's stored name is its key
  }
  const sessionOf = (row: CaseRow) => sessionIds.get(row.sessionName) ?? 0;

  const caseIds = new Map<CaseRow, number>();
  if (plan.newCases.length > 0) {
    const rows = plan.newCases;
    const inserted = await tx.$queryRawUnsafe<{ id: number; kind: string; sessionId: number; number: string }[]>(
      `INSERT INTO "Case" ("kind", "sessionId", "number", "title", "proposers", "isPriority", "disclosure", "assignedOn",
         "updatedAt")
       SELECT v."kind"::"CaseKind", v."sessionId", v."number", v."title", v."proposers", v."isPriority",
         v."disclosure"::"Disclosure", v."assignedOn", now()
       FROM jsonb_to_recordset($1::jsonb) AS v("kind" text, "sessionId" int, "number" text, "title" text,
         "proposers" text[], "isPriority" boolean, "disclosure" text, "assignedOn" date)
       RETURNING "id", "kind", "sessionId", "number"`,
      JSON.stringify(rows.map((r) => ({ ...caseFields(r), kind: r.kind, sessionId: sessionOf(r), number: r.number }))),
    );
    const byKey = new Map(inserted.map((c) => [`${c.kind}|${c.sessionId}|${c.number}`, c.id]));
    for (const r of rows) caseIds.set(r, byKey.get(`${r.kind}|${sessionOf(r)}|${r.number}`) ?? 0);
  }

  const added = plan.writes.filter((w) => w.id === null);
  for (const w of added) w.caseId ??= caseIds.get(w.row) ?? null;
  if (added.length > 0) {
    const inserted = await tx.$queryRawUnsafe<{ id: number; caseId: number; unitId: number }[]>(
      `INSERT INTO "Assignment" ("caseId", "unitId", "role", "signDeadline", "adjustDeadline", "opinionDeadline",
         "replyDeadline", "extensionCap", "updatedAt")
       SELECT v."caseId", v."unitId", v."role"::"AssignmentRole", v."signDeadline", v."adjustDeadline",
         v."opinionDeadline", v."replyDeadline", v."extensionCap", now()
       FROM jsonb_to_recordset($1::jsonb) AS v("caseId" int, "unitId" int, "role" text, ${DEADLINE_COLUMNS})
       RETURNING "id", "caseId", "unitId"`,
      JSON.stringify(added.map((w) => ({ caseId: w.caseId, unitId: w.unitId, role: w.role, ...w.deadlines }))),
    );
    const byKey = new Map(inserted.map((a) => [`${a.caseId}|${a.unitId}`, a.id]));
    for (const w of added) w.id = byKey.get(`${w.caseId}|${w.unitId}`) ?? null;
  }

  if (plan.caseUpdates.length > 0) {
    await tx.$executeRawUnsafe(
      `UPDATE "Case" AS c SET "title" = v."title", "proposers" = v."proposers", "isPriority" = v."isPriority",
         "disclosure" = v."disclosure"::"Disclosure", "assignedOn" = v."assignedOn", "updatedAt" = now()
       FROM jsonb_to_recordset($1::jsonb) AS v("id" int, "title" text, "proposers" text[], "isPriority" boolean,
         "disclosure" text, "assignedOn" date)
       WHERE c."id" = v."id"`,
      JSON.stringify(plan.caseUpdates.map((u) => ({ id: u.id, ...caseFields(u.row) }))),
    );
  }

  const changed = plan.writes.filter((w) => w.action !== undefined);
  if (changed.length > 0) {
    await tx.$executeRawUnsafe(
      `UPDATE "Assignment" AS a SET "role" = v."role"::"AssignmentRole", "state" = v."state"::"AssignmentState",
         "signedAt" = v."signedAt", "signDeadline" = v."signDeadline", "adjustDeadline" = v."adjustDeadline",
         "opinionDeadline" = v."opinionDeadline", "replyDeadline" = v."replyDeadline",
         "extensionCap" = v."extensionCap", "updatedAt" = now()
       FROM jsonb_to_recordset($1::jsonb) AS v("id" int, "role" text, "state" text, "signedAt" timestamptz,
         ${DEADLINE_COLUMNS})
       WHERE a."id" = v."id"`,
      JSON.stringify(
        changed.map((w) => ({ id: w.id, role: w.role, state: w.state, signedAt: w.signedAt, ...w.deadlines })),
      ),
    );
  }

  // The audit trail. A new case is one event listing its first assignments (one row per case keeps a 10,000-case
  // list fast); an assignment added to, changed on or taken off a known case is an event of its own.
  const newCases = new Set(plan.newCases);
  const firstAssignments = new Map<CaseRow, AssignmentWrite[]>();
  for (const w of added) {
    if (newCases.has(w.row)) firstAssignments.set(w.row, [...(firstAssignments.get(w.row) ?? []), w]);
  }
  const state = (w: AssignmentWrite) => ({ unit: w.unitName, role: w.role, state: w.state, ...w.deadlines });
  const events: EventInput[] = [
    ...plan.newCases.map((r) => ({
      actorLabel,
      action: "case.created",
      caseId: caseIds.get(r) ?? null,
      after: {
        ...caseFields(r),
        kind: r.kind,
        session: r.sessionName,
        number: r.number,
        row: r.row,
        assignments: (firstAssignments.get(r) ?? []).map((w) => ({ assignmentId: w.id, ...state(w) })),
      },
    })),
    ...plan.caseUpdates.map((u) => ({
      actorLabel,
      action: "case.updated",
      caseId: u.id,
      before: u.before,
      after: u.after,
    })),
    ...added
      .filter((w) => !newCases.has(w.row))
      .map((w) => ({
        actorLabel,
        action: "assignment.created",
        caseId: w.caseId,
        assignmentId: w.id,
        after: state(w),
      })),
    ...changed.map((w) => ({
      actorLabel,
      action: w.action ?? "",
      caseId: w.caseId,
      assignmentId: w.id,
      before: w.before,
      after: state(w),
    })),
  ];
  const recorded = await recordEvents(tx, events);
  const changeEvents = recorded.slice(events.length - changed.length);
  // The notices: a new assignment is announced once (its id is the key); each change once per event, so re-running
  // the same import, or retrying after a failure, never sends a notice twice.
  const notices: NoticeInput[] = [
    ...added.map((w) => ({
      kind: "ASSIGNED",
      dedupeKey: `assigned:${w.id}`,
      caseId: w.caseId,
      assignmentId: w.id,
      unitId: w.unitId,
      payload: payload(w),
    })),
    ...changed.map((w, i) => {
      const eventId = changeEvents[i]?.id ?? 0n;
      const restored = w.action === "assignment.restored";
      return {
        kind: restored ? "ASSIGNED" : "ADJUSTED",
        dedupeKey: `${restored ? "assigned" : "adjusted"}:${w.id}:${eventId}`,
        caseId: w.caseId,
        assignmentId: w.id,
        unitId: w.unitId,
        payload: { ...payload(w), change: w.action, state: w.state, before: w.before },
      };
    }),
  ];
  await enqueueNotices(tx, notices);
}
