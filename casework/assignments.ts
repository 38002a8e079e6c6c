// Updating one assignment from the chat: 签收, 沟通, 意见, 答复, 反馈, 公开 (requests in requests.ts, people and groups in
// members.ts). Each is one transaction that locks the assignment row (SELECT … FOR UPDATE), asks domain/states.ts what
// the step means in the state it finds there, and writes that with its audit event. Two people acting at once are
// served one after the other: the second sees the first one's result (a repeat, or a refusal), never a stale state.
import type { Assignment, Db, Prisma } from "../db/client.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import { toCalendarDate } from "../domain/duties.ts";
import type { ContactForm, ContactStage, Rating } from "../domain/labels.ts";
import { resolvePolicy } from "../domain/policy.ts";
import {
  contactStage,
  type Decision,
  decideFeedback,
  decidePublish,
  decideReply,
  decideStep,
  type Refusal,
} from "../domain/states.ts";
import { recordEvent, type Tx } from "./events.ts";

export { addOrUpdateMember, bindGroup } from "./members.ts";
export { decideRequest, pendingRequests, requestAdjustment, requestExtension } from "./requests.ts";

/** Who acts, as the audit log names them, and from which chat. */
export interface Actor {
  id: number | null;
  label: string;
  chatId: string | null;
}

export interface StepInput {
  assignmentId: number;
  actor: Actor;
  today: CalendarDate;
}

export type StepResult<T = Record<string, never>> =
  | { status: "done"; before: Assignment; assignment: Assignment; detail: T }
  | { status: "repeat"; assignment: Assignment }
  | { status: "refused"; refusal: Refusal; assignment: Assignment };

const LOCKED_INCLUDE = { case: { include: { session: true } } } satisfies Prisma.AssignmentInclude;
export type LockedAssignment = Prisma.AssignmentGetPayload<{ include: typeof LOCKED_INCLUDE }>;

/** Locks the row until the transaction ends, then reads it: every decision is made on the current state. */
export async function lockAssignment(tx: Tx, id: number): Promise<LockedAssignment> {
  await tx.$queryRaw`SELECT 1 FROM "Assignment" WHERE "id" = ${id} FOR UPDATE`;
  return tx.assignment.findUniqueOrThrow({ where: { id }, include: LOCKED_INCLUDE });
}

export const day = (d: CalendarDate): Date => new Date(`${d}T00:00:00Z`);

const DATE_FIELDS = [
  "signDeadline",
  "adjustDeadline",
  "opinionDeadline",
  "replyDeadline",
  "extensionCap",
  "rehandleDeadline",
  "publishDeadline",
  "followUpDeadline",
  "opinionSentOn",
  "repliedOn",
  "publishedOn",
  "closedOn",
] as const;
const TRACKED = ["unitId", "role", "state", "handlerId", "signedAt", "replyClass", ...DATE_FIELDS] as const;

function shown(field: string, value: unknown): unknown {
  if (!(value instanceof Date)) return value ?? null;
  return (DATE_FIELDS as readonly string[]).includes(field) ? toCalendarDate(value) : value.toISOString();
}

/** The audit event's before → after: only the fields the step changed, dates as people read them. */
export function assignmentChanges(before: Assignment, after: Assignment) {
  const was: Record<string, unknown> = {};
  const now: Record<string, unknown> = {};
  for (const field of TRACKED) {
    const [b, a] = [shown(field, before[field]), shown(field, after[field])];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    was[field] = b;
    now[field] = a;
  }
  return { before: was, after: now };
}

/** Runs `body` on the locked assignment inside one transaction; a refusal or repeat writes nothing. */
async function step<T, P>(
  db: Db,
  input: StepInput,
  decide: (tx: Tx, a: LockedAssignment) => Promise<Decision<P>>,
  write: (tx: Tx, a: LockedAssignment, plan: P) => Promise<{ assignment: Assignment; detail: T }>,
): Promise<StepResult<T>> {
  return db.$transaction(async (tx) => {
    const a = await lockAssignment(tx, input.assignmentId);
    const decision = await decide(tx, a);
    if (decision.kind === "repeat") return { status: "repeat", assignment: a };
    if (decision.kind === "refuse") return { status: "refused", refusal: decision.refusal, assignment: a };
    const { assignment, detail } = await write(tx, a, decision.plan);
    return { status: "done", before: a, assignment, detail };
  });
}

async function audit(tx: Tx, input: StepInput, action: string, a: LockedAssignment, after: Assignment, extra = {}) {
  const changes = assignmentChanges(a, after);
  await recordEvent(tx, {
    actorId: input.actor.id,
    actorLabel: input.actor.label,
    chatId: input.actor.chatId,
    action,
    caseId: a.caseId,
    assignmentId: a.id,
    before: Object.keys(changes.before).length > 0 ? changes.before : null,
    after: { ...changes.after, ...extra },
  });
}

/**
 * 签收: takes the assignment and names its handler (定人): the one named, else `signerId` (the signer, when of the unit).
 * Naming another handler on a signed assignment changes only that; signing again without a name is a repeat.
 */
export function signAssignment(db: Db, input: StepInput & { handlerId: number | null; signerId: number | null }) {
  return step<{ handlerChanged: boolean }, { to: "IN_PROGRESS" | null }>(
    db,
    input,
    async (_tx, a) => {
      const decision = decideStep("sign", a);
      const newHandler = input.handlerId !== null && input.handlerId !== a.handlerId;
      if (decision.kind === "repeat" && newHandler) return { kind: "go", plan: { to: null } };
      return decision.kind === "go" ? { kind: "go", plan: { to: "IN_PROGRESS" } } : decision;
    },
    async (tx, a, plan) => {
      const data = plan.to
        ? { state: plan.to, signedAt: new Date(), handlerId: input.handlerId ?? input.signerId }
        : { handlerId: input.handlerId };
      const assignment = await tx.assignment.update({ where: { id: a.id }, data });
      await audit(tx, input, plan.to ? "assignment.signed" : "assignment.handler_changed", a, assignment);
      return { assignment, detail: { handlerChanged: plan.to === null } };
    },
  );
}

/** 沟通: one contact with the proposer; the same contact logged twice on one day is kept once. */
export function logContact(
  db: Db,
  input: StepInput & { form: ContactForm; stage: ContactStage | null; note: string | null },
) {
  return step<{ stage: ContactStage; contacts: number; faceToFace: number }, { stage: ContactStage }>(
    db,
    input,
    async (tx, a) => {
      const decision = decideStep("contact", a);
      if (decision.kind !== "go") return decision;
      const earlier = await tx.contactLog.count({ where: { assignmentId: a.id } });
      const stage = input.stage ?? contactStage(a, earlier);
      const same = { assignmentId: a.id, form: input.form, stage, note: input.note, contactedOn: day(input.today) };
      if (await tx.contactLog.findFirst({ where: same })) return { kind: "repeat" };
      return { kind: "go", plan: { stage } };
    },
    async (tx, a, { stage }) => {
      const row = { form: input.form, stage, note: input.note, contactedOn: day(input.today) };
      await tx.contactLog.create({ data: { ...row, assignmentId: a.id, loggedById: input.actor.id } });
      await audit(tx, input, "contact.logged", a, a, { ...row, contactedOn: input.today });
      const contacts = await tx.contactLog.groupBy({ by: ["form"], where: { assignmentId: a.id }, _count: true });
      const total = contacts.reduce((n, c) => n + c._count, 0);
      const faceToFace = contacts.find((c) => c.form === "FACE")?._count ?? 0;
      return { assignment: a, detail: { stage, contacts: total, faceToFace } };
    },
  );
}

/** 意见: a 会办/协办 unit's opinion has been sent to the 主办 unit; its part is done. */
export function sendOpinion(db: Db, input: StepInput) {
  return step<Record<string, never>, { to: Assignment["state"] }>(
    db,
    input,
    async (_tx, a) => decideStep("opinion", a),
    async (tx, a, plan) => {
      const data = { state: plan.to, opinionSentOn: day(input.today) };
      const assignment = await tx.assignment.update({ where: { id: a.id }, data });
      await audit(tx, input, "assignment.opinion_sent", a, assignment);
      return { assignment, detail: {} };
    },
  );
}

async function followUpOpen(tx: Tx, assignmentId: number): Promise<boolean> {
  return (await tx.followUp.count({ where: { assignmentId, status: "OPEN" } })) > 0;
}

async function latestReply(tx: Tx, assignmentId: number) {
  return tx.reply.findFirst({ where: { assignmentId }, orderBy: { round: "desc" } });
}

/** 答复: the reply (round 1, the next round after 重新办理, or a 续复), signed by a leader (签发). */
export function recordReply(db: Db, input: StepInput & { replyClass: string; signedBy: string | null }) {
  return step(
    db,
    input,
    async (tx, a) =>
      decideReply(a, {
        replyClass: input.replyClass,
        policy: resolvePolicy(a.case.session.policy),
        disclosure: a.case.disclosure,
        today: input.today,
        lastRound: (await latestReply(tx, a.id))?.round ?? 0,
        followUpOpen: await followUpOpen(tx, a.id),
      }),
    async (tx, a, plan) => {
      const repliedOn = day(input.today);
      const isPublic = a.case.disclosure === "PUBLIC";
      const reply = { round: plan.round, replyClass: input.replyClass, signedBy: input.signedBy, repliedOn, isPublic };
      await tx.reply.create({ data: { ...reply, assignmentId: a.id } });
      if (plan.resolvesFollowUp) {
        await tx.followUp.updateMany({
          where: { assignmentId: a.id, status: "OPEN" },
          data: { status: "RESOLVED", resolvedOn: repliedOn },
        });
      }
      if (plan.followUpDeadline) {
        const dueOn = day(plan.followUpDeadline);
        await tx.followUp.create({ data: { assignmentId: a.id, dueOn, note: `第${plan.round}轮答复为B类，跟踪续办` } });
      }
      const assignment = await tx.assignment.update({
        where: { id: a.id },
        data: {
          state: plan.to,
          replyClass: input.replyClass,
          // The first reply's date stays: 按期办结 is measured by it.
          repliedOn: a.repliedOn ?? repliedOn,
          closedOn: null,
          ...(plan.publishDeadline ? { publishDeadline: day(plan.publishDeadline), publishedOn: null } : {}),
          ...(plan.followUpDeadline ? { followUpDeadline: day(plan.followUpDeadline) } : {}),
        },
      });
      const extra = { round: plan.round, signedBy: input.signedBy, resolvesFollowUp: plan.resolvesFollowUp };
      await audit(tx, input, "assignment.replied", a, assignment, extra);
      return { assignment, detail: plan };
    },
  );
}

/** 反馈: the proposer's rating of the latest reply; 不满意 opens 重新办理. */
export function recordFeedback(db: Db, input: StepInput & { rating: Rating; note: string | null }) {
  return step(
    db,
    input,
    async (tx, a) => {
      const reply = await latestReply(tx, a.id);
      const round = reply?.round ?? 0;
      const recorded = await tx.feedback.findUnique({ where: { assignmentId_round: { assignmentId: a.id, round } } });
      return decideFeedback(a, {
        rating: input.rating,
        policy: resolvePolicy(a.case.session.policy),
        today: input.today,
        round,
        recorded: recorded?.rating ?? null,
        followUpOpen: await followUpOpen(tx, a.id),
        publishPending: a.case.disclosure === "PUBLIC" && a.publishDeadline !== null && a.publishedOn === null,
      });
    },
    async (tx, a, plan) => {
      const receivedOn = day(input.today);
      await tx.feedback.create({
        data: { assignmentId: a.id, round: plan.round, rating: input.rating, receivedOn, note: input.note },
      });
      const assignment = await tx.assignment.update({
        where: { id: a.id },
        data: {
          state: plan.to,
          ...(plan.rehandleDeadline ? { rehandleDeadline: day(plan.rehandleDeadline) } : {}),
          ...(plan.closedOn ? { closedOn: day(plan.closedOn) } : {}),
        },
      });
      const extra = { round: plan.round, rating: input.rating, note: input.note };
      await audit(tx, input, "feedback.recorded", a, assignment, extra);
      return { assignment, detail: plan };
    },
  );
}

/** 公开: the latest reply has been published. */
export function markPublished(db: Db, input: StepInput) {
  return step(
    db,
    input,
    async (tx, a) => {
      const reply = await latestReply(tx, a.id);
      const rated = reply
        ? await tx.feedback.findUnique({ where: { assignmentId_round: { assignmentId: a.id, round: reply.round } } })
        : null;
      return decidePublish(a, {
        disclosure: a.case.disclosure,
        satisfied: rated !== null && rated.rating !== "UNSATISFIED",
        followUpOpen: await followUpOpen(tx, a.id),
        today: input.today,
      });
    },
    async (tx, a, plan) => {
      const publishedOn = day(input.today);
      const reply = await latestReply(tx, a.id);
      if (reply) await tx.reply.update({ where: { id: reply.id }, data: { publishedOn, isPublic: true } });
      const assignment = await tx.assignment.update({
        where: { id: a.id },
        data: { publishedOn, state: plan.to, ...(plan.closedOn ? { closedOn: day(plan.closedOn) } : {}) },
      });
      await audit(tx, input, "assignment.published", a, assignment, { round: reply?.round ?? null });
      return { assignment, detail: plan };
    },
  );
}
