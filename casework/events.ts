// The one way every part of the bot writes the audit log (Event) and the notices to send (Outbox). Call them with the
// transaction that makes the change, so a change, its history and its notices are committed together or not at all.
import type { Prisma } from "../db/client.ts";

export type Tx = Prisma.TransactionClient;

export interface EventInput {
  actorId?: number | null;
  /** Who did it, as people read it: a person's name, "导入：交办清单.xlsx", "系统". */
  actorLabel: string;
  chatId?: string | null;
  /** What happened, dotted: case.created, case.updated, assignment.created, assignment.withdrawn … */
  action: string;
  caseId?: number | null;
  assignmentId?: number | null;
  before?: unknown;
  after?: unknown;
}

export interface RecordedEvent {
  id: bigint;
  action: string;
  caseId: number | null;
  assignmentId: number | null;
}

export interface NoticeInput {
  /** ASSIGNED (交办), ADJUSTED (调整), REMINDER … : what the scheduler renders and sends. */
  kind: string;
  /** Writing the same notice twice is harmless: a second row with this key is ignored. */
  dedupeKey: string;
  caseId?: number | null;
  assignmentId?: number | null;
  unitId?: number | null;
  payload: unknown;
  availableAt?: Date;
}

// Prisma's createMany costs about a third of a millisecond per row. One INSERT … SELECT FROM jsonb_to_recordset($1)
// per batch, the rows sent as one JSON document, is an order of magnitude faster, which a 10,000-case 交办清单
// (40,000 events) needs; a JSON document also parses much faster in PostgreSQL than large array parameters.
const CHUNK = 20_000;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Appends events (one or many, batched) and returns them with their ids, in input order. */
export async function recordEvents(tx: Tx, events: EventInput[]): Promise<RecordedEvent[]> {
  const recorded: RecordedEvent[] = [];
  for (const part of chunks(events)) {
    const rows = await tx.$queryRawUnsafe<RecordedEvent[]>(
      `INSERT INTO "Event" ("actorId", "actorLabel", "chatId", "action", "caseId", "assignmentId", "before", "after")
       SELECT v."actorId", v."actorLabel", v."chatId", v."action", v."caseId", v."assignmentId", v."before", v."after"
       FROM jsonb_to_recordset($1::jsonb) AS v("actorId" int, "actorLabel" text, "chatId" text, "action" text,
         "caseId" int, "assignmentId" int, "before" jsonb, "after" jsonb)
       RETURNING "id", "action", "caseId", "assignmentId"`,
      JSON.stringify(
        part.map((e) => ({
          actorId: e.actorId ?? null,
          actorLabel: e.actorLabel,
          chatId: e.chatId ?? null,
          action: e.action,
          caseId: e.caseId ?? null,
          assignmentId: e.assignmentId ?? null,
          before: e.before ?? null,
          after: e.after ?? null,
        })),
      ),
    );
    // Ids follow the input order within one statement; RETURNING itself promises no order.
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    recorded.push(...rows);
  }
  return recorded;
}

export async function recordEvent(tx: Tx, event: EventInput): Promise<RecordedEvent> {
  const [recorded] = await recordEvents(tx, [event]);
  if (!recorded) throw new Error("事件未写入 (event not recorded)");
  return recorded;
}

/** Queues notices; a notice whose dedupeKey is already queued is skipped. Returns how many were queued now. */
export async function enqueueNotices(tx: Tx, notices: NoticeInput[]): Promise<number> {
  let queued = 0;
  for (const part of chunks(notices)) {
    queued += await tx.$executeRawUnsafe(
      `INSERT INTO "Outbox" ("kind", "dedupeKey", "caseId", "assignmentId", "unitId", "payload", "availableAt")
       SELECT v."kind", v."dedupeKey", v."caseId", v."assignmentId", v."unitId", v."payload", coalesce(v."availableAt", now())
       FROM jsonb_to_recordset($1::jsonb) AS v("kind" text, "dedupeKey" text, "caseId" int, "assignmentId" int,
         "unitId" int, "payload" jsonb, "availableAt" timestamptz)
       ON CONFLICT ("dedupeKey") DO NOTHING`,
      JSON.stringify(
        part.map((n) => ({
          kind: n.kind,
          dedupeKey: n.dedupeKey,
          caseId: n.caseId ?? null,
          assignmentId: n.assignmentId ?? null,
          unitId: n.unitId ?? null,
          payload: n.payload ?? {},
          availableAt: n.availableAt?.toISOString() ?? null,
        })),
      ),
    );
  }
  return queued;
}

export async function enqueueNotice(tx: Tx, notice: NoticeInput): Promise<boolean> {
  return (await enqueueNotices(tx, [notice])) === 1;
}
