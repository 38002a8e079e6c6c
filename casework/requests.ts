// 延期 and 调整/退回: a unit files a request (within its window), the office approves or refuses it. A filed request
// is announced to the office, a decision to the unit; an approved 调整 withdraws the assignment and gives the case
// to the new unit with fresh deadlines, and tells both. Every write goes with its audit event, in one transaction.
import type { Assignment, Db, Request, RequestType, Unit } from "../db/client.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import { assignmentDeadlines } from "../domain/deadlines.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { CASE_KIND_LABEL, ROLE_LABEL } from "../domain/labels.ts";
import { resolvePolicy } from "../domain/policy.ts";
import { ANSWERING_ROLES, type Decision, decideAdjustment, decideExtension, type Refusal } from "../domain/states.ts";
import {
  type Actor,
  assignmentChanges,
  day,
  type LockedAssignment,
  lockAssignment,
  type StepInput,
  type StepResult,
} from "./assignments.ts";
import { enqueueNotice, recordEvent, type Tx } from "./events.ts";

export const REQUEST_TYPE_LABEL: Record<RequestType, string> = { EXTENSION: "延期", ADJUSTMENT: "调整" };

function caseFacts(a: LockedAssignment) {
  const c = a.case;
  return { caseKind: CASE_KIND_LABEL[c.kind], session: c.session.name, number: c.number, title: c.title };
}

/** The 主办/分办 reply deadline that a 会办/协办 opinion must arrive before. */
async function opinionCap(tx: Tx, a: Assignment): Promise<CalendarDate | null> {
  const lead = await tx.assignment.findFirst({
    where: { caseId: a.caseId, role: { in: [...ANSWERING_ROLES] }, state: { not: "WITHDRAWN" } },
    orderBy: { replyDeadline: "asc" },
  });
  return toCalendarDate(lead?.replyDeadline);
}

async function event(tx: Tx, actor: Actor, a: Assignment, action: string, after: unknown, before: unknown = null) {
  const { id: actorId, label: actorLabel, chatId } = actor;
  await recordEvent(tx, { actorId, actorLabel, chatId, action, caseId: a.caseId, assignmentId: a.id, before, after });
}

type FileRequest = {
  type: RequestType;
  reason: string;
  requestedDeadline: CalendarDate | null;
  targetUnitId: number | null;
};

/** Files a request unless the same one is already waiting (a repeat) or another one is (refused). */
async function file(
  db: Db,
  input: StepInput & FileRequest,
  decide: (tx: Tx, a: LockedAssignment) => Promise<Decision<unknown>>,
): Promise<StepResult<{ request: Request }>> {
  return db.$transaction(async (tx) => {
    const a = await lockAssignment(tx, input.assignmentId);
    const waiting = await tx.request.findFirst({ where: { assignmentId: a.id, type: input.type, status: "PENDING" } });
    if (waiting) {
      const same =
        toCalendarDate(waiting.requestedDeadline) === input.requestedDeadline &&
        (input.type === "EXTENSION" ||
          (waiting.reason === input.reason && waiting.targetUnitId === input.targetUnitId));
      if (same) return { status: "repeat", assignment: a };
      const refusal: Refusal = {
        code: "REQUEST_PENDING",
        detail: `${REQUEST_TYPE_LABEL[input.type]}申请（第${waiting.id}号）`,
      };
      return { status: "refused", refusal, assignment: a };
    }
    const decision = await decide(tx, a);
    if (decision.kind === "repeat") return { status: "repeat", assignment: a };
    if (decision.kind === "refuse") return { status: "refused", refusal: decision.refusal, assignment: a };
    const request = await tx.request.create({
      data: {
        type: input.type,
        assignmentId: a.id,
        reason: input.reason,
        requestedDeadline: input.requestedDeadline ? day(input.requestedDeadline) : null,
        targetUnitId: input.targetUnitId,
        requestedById: input.actor.id,
      },
    });
    const filed = { request: request.id, type: input.type, reason: input.reason };
    const wanted = { requestedDeadline: input.requestedDeadline, targetUnitId: input.targetUnitId };
    await event(tx, input.actor, a, "request.filed", { ...filed, ...wanted });
    const office = await tx.unit.findFirst({ where: { isOffice: true }, orderBy: { id: "asc" } });
    const unit = await tx.unit.findUniqueOrThrow({ where: { id: a.unitId } });
    await enqueueNotice(tx, {
      kind: "REQUEST_FILED",
      dedupeKey: `request-filed:${request.id}`,
      caseId: a.caseId,
      assignmentId: a.id,
      unitId: office?.id ?? null,
      payload: { audience: "office", ...filed, ...wanted, ...caseFacts(a), unit: unit.name, by: input.actor.label },
    });
    return { status: "done", before: a, assignment: a, detail: { request } };
  });
}

/** 延期: asks for a later reply (or opinion) deadline, before the current one passes and not past the cap. */
export function requestExtension(db: Db, input: StepInput & { requested: CalendarDate; reason: string }) {
  const request = {
    type: "EXTENSION",
    reason: input.reason,
    requestedDeadline: input.requested,
    targetUnitId: null,
  } as const;
  return file(db, { ...input, ...request }, async (tx, a) =>
    decideExtension(deadlineFacts(a), {
      requested: input.requested,
      today: input.today,
      opinionCap: await opinionCap(tx, a),
    }),
  );
}

function deadlineFacts(a: Assignment) {
  return {
    role: a.role,
    state: a.state,
    replyDeadline: toCalendarDate(a.replyDeadline),
    opinionDeadline: toCalendarDate(a.opinionDeadline),
    extensionCap: toCalendarDate(a.extensionCap),
  };
}

/** 调整/退回: asks the office to give the case to another unit (optionally naming it), within the window. */
export function requestAdjustment(db: Db, input: StepInput & { reason: string; targetUnitId: number | null }) {
  const request = {
    type: "ADJUSTMENT",
    reason: input.reason,
    requestedDeadline: null,
    targetUnitId: input.targetUnitId,
  } as const;
  return file(db, { ...input, ...request }, async (_tx, a) =>
    decideAdjustment({ ...a, adjustDeadline: toCalendarDate(a.adjustDeadline) ?? input.today }, { today: input.today }),
  );
}

export interface DecideInput {
  requestId: number;
  approve: boolean;
  actor: Actor;
  today: CalendarDate;
  note: string | null;
  /** 调整: the unit the case goes to, when the request did not name it (or the office chooses another). */
  targetUnitId?: number | null;
}

export type DecideResult =
  | { status: "missing" }
  | { status: "repeat"; request: Request }
  | { status: "decided"; request: Request }
  | { status: "refused"; request: Request; assignment: Assignment; refusal: Refusal }
  | { status: "needsTarget"; request: Request }
  | { status: "targetTaken"; request: Request; target: Assignment & { unit: Unit } }
  | { status: "done"; request: Request; assignment: Assignment; moved: (Assignment & { unit: Unit }) | null };

/** 批准 / 驳回 a request. Deciding the same way twice is a repeat; the other way, once decided, is refused. */
export async function decideRequest(db: Db, input: DecideInput): Promise<DecideResult> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "Request" WHERE "id" = ${input.requestId} FOR UPDATE`;
    const request = await tx.request.findUnique({ where: { id: input.requestId } });
    if (!request) return { status: "missing" };
    if (request.status !== "PENDING") {
      const same = (request.status === "APPROVED") === input.approve;
      return { status: same ? "repeat" : "decided", request };
    }
    const a = await lockAssignment(tx, request.assignmentId);
    const decided = { decidedById: input.actor.id, decidedAt: new Date(), decisionNote: input.note };
    if (!input.approve) {
      const refused = await tx.request.update({ where: { id: request.id }, data: { status: "REFUSED", ...decided } });
      const after = { status: "REFUSED", request: request.id, note: input.note };
      await event(tx, input.actor, a, "request.refused", after, { status: "PENDING" });
      await decisionNotice(tx, a, refused);
      return { status: "done", request: refused, assignment: a, moved: null };
    }
    if (request.type === "EXTENSION") {
      const requested = toCalendarDate(request.requestedDeadline) ?? input.today;
      const decision = decideExtension(deadlineFacts(a), {
        requested,
        today: input.today,
        opinionCap: await opinionCap(tx, a),
        atApproval: true,
      });
      if (decision.kind === "refuse") return { status: "refused", request, assignment: a, refusal: decision.refusal };
      if (decision.kind === "repeat") return { status: "repeat", request };
      const field = decision.plan.field;
      const assignment = await tx.assignment.update({ where: { id: a.id }, data: { [field]: day(requested) } });
      const approved = await tx.request.update({ where: { id: request.id }, data: { status: "APPROVED", ...decided } });
      const changes = assignmentChanges(a, assignment);
      await event(tx, input.actor, a, "request.approved", { ...changes.after, request: request.id }, changes.before);
      await decisionNotice(tx, a, approved);
      return { status: "done", request: approved, assignment, moved: null };
    }
    return approveAdjustment(tx, input, request, a, decided);
  });
}

async function approveAdjustment(
  tx: Tx,
  input: DecideInput,
  request: Request,
  a: LockedAssignment,
  decided: { decidedById: number | null; decidedAt: Date; decisionNote: string | null },
): Promise<DecideResult> {
  const targetUnitId = input.targetUnitId ?? request.targetUnitId;
  if (targetUnitId === null || targetUnitId === a.unitId) return { status: "needsTarget", request };
  const adjustDeadline = toCalendarDate(a.adjustDeadline) ?? input.today;
  const decision = decideAdjustment({ ...a, adjustDeadline }, { today: input.today, atApproval: true });
  if (decision.kind === "refuse") return { status: "refused", request, assignment: a, refusal: decision.refusal };
  const existing = await tx.assignment.findUnique({
    where: { caseId_unitId: { caseId: a.caseId, unitId: targetUnitId } },
    include: { unit: true },
  });
  if (existing && existing.state !== "WITHDRAWN") return { status: "targetTaken", request, target: existing };

  const withdrawn = await tx.assignment.update({ where: { id: a.id }, data: { state: "WITHDRAWN" } });
  // The new unit is assigned today: its deadlines count from the approval, as from a 交办.
  const d = assignmentDeadlines(input.today, a.role, resolvePolicy(a.case.session.policy));
  const fresh = {
    role: a.role,
    state: "PENDING" as const,
    ...{ handlerId: null, signedAt: null, replyClass: null, opinionSentOn: null, repliedOn: null },
    ...{ publishedOn: null, closedOn: null, rehandleDeadline: null, publishDeadline: null, followUpDeadline: null },
    signDeadline: day(d.signDeadline),
    adjustDeadline: day(d.adjustDeadline),
    opinionDeadline: d.opinionDeadline ? day(d.opinionDeadline) : null,
    replyDeadline: d.replyDeadline ? day(d.replyDeadline) : null,
    extensionCap: d.extensionCap ? day(d.extensionCap) : null,
  };
  // A unit taken off this case earlier gets its own row back (one row per case and unit).
  const moved = existing
    ? await tx.assignment.update({ where: { id: existing.id }, data: fresh, include: { unit: true } })
    : await tx.assignment.create({
        data: { ...fresh, caseId: a.caseId, unitId: targetUnitId },
        include: { unit: true },
      });
  const approvedData = { status: "APPROVED", targetUnitId, ...decided } as const;
  const approved = await tx.request.update({ where: { id: request.id }, data: approvedData });
  const from = await tx.unit.findUniqueOrThrow({ where: { id: a.unitId } });
  const gone = assignmentChanges(a, withdrawn);
  const ref = { request: request.id };
  await event(
    tx,
    input.actor,
    a,
    "assignment.withdrawn",
    { ...gone.after, movedTo: moved.unit.name, ...ref },
    gone.before,
  );
  const created = { unit: moved.unit.name, role: a.role, state: "PENDING", ...d, ...ref };
  await event(tx, input.actor, moved, existing ? "assignment.restored" : "assignment.created", created);
  const approval = { status: "APPROVED", targetUnitId, ...ref };
  await event(tx, input.actor, a, "request.approved", approval, { status: "PENDING" });
  const payload = {
    ...caseFacts(a),
    request: request.id,
    from: from.name,
    to: moved.unit.name,
    role: a.role,
    roleLabel: ROLE_LABEL[a.role],
    note: input.note,
    ...d,
  };
  for (const [assignment, unit] of [
    [withdrawn, from],
    [moved, moved.unit],
  ] as const) {
    await enqueueNotice(tx, {
      kind: "ADJUSTED",
      dedupeKey: `adjusted:${request.id}:${unit.id}`,
      caseId: a.caseId,
      assignmentId: assignment.id,
      unitId: unit.id,
      payload: { ...payload, audience: unit.id === from.id ? "from" : "to" },
    });
  }
  return { status: "done", request: approved, assignment: withdrawn, moved };
}

async function decisionNotice(tx: Tx, a: LockedAssignment, request: Request) {
  await enqueueNotice(tx, {
    kind: "REQUEST_DECIDED",
    dedupeKey: `request-decided:${request.id}`,
    caseId: a.caseId,
    assignmentId: a.id,
    unitId: a.unitId,
    payload: {
      ...caseFacts(a),
      request: request.id,
      type: request.type,
      status: request.status,
      requestedDeadline: toCalendarDate(request.requestedDeadline),
      note: request.decisionNote,
    },
  });
}

const PENDING_INCLUDE = {
  assignment: { include: { unit: true, case: { include: { session: true } } } },
  targetUnit: true,
  requestedBy: true,
} as const;

/** The requests waiting for the office, oldest first (what 批准/驳回 without a number lists). */
export function pendingRequests(db: Db, limit = 10) {
  const where = { status: "PENDING" } as const;
  return db.request.findMany({ where, include: PENDING_INCLUDE, orderBy: { id: "asc" }, take: limit });
}
