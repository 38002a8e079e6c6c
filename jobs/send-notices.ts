// Sends pending Outbox rows (交办, 调整, 申请, 审批结果, 告警) for one chat as one message (split only at 4096 bytes).
// A row is claimed by moving its availableAt forward (a lease: another worker skips it until then), and marked SENT
// right after WeCom confirms the piece that carries it. Permanent failure → FAILED with lastError and an alert to the
// office; retryable → attempts + 1 and availableAt later. Same residual risk as reminders: a crash between WeCom's
// confirmation and the UPDATE resends that piece after the lease.
import { isRobotGone, PushError } from "../bot/webhook.ts";
import type { Outbox } from "../db/client.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { answersProposer } from "../domain/labels.ts";
import { localTime } from "../domain/reminders.ts";
import { loadPeople, loadRouting, noticeChatId } from "./chats.ts";
import { errorText, type JobContext, retryDelay } from "./context.ts";
import { type DigestSection, packDigest } from "./pack.ts";
import * as t from "./texts.ts";

export const NOTICES_QUEUE = "casebot-notices";

/** Outbox ids (as strings: BigInt is not JSON) due for one chat. */
export interface NoticeBatchJob {
  chatKey: string;
  outboxIds: string[];
}

const ROLE_ORDER = ["LEAD", "SEPARATE", "JOINT", "ASSIST"];

async function leaseRows(ctx: JobContext, ids: bigint[], now: Date): Promise<Outbox[]> {
  const lease = new Date(now.getTime() + ctx.leaseMs);
  const claimed = await ctx.db.$queryRawUnsafe<{ id: bigint }[]>(
    `UPDATE "Outbox" SET "availableAt" = $3::timestamptz
     WHERE id IN (SELECT id FROM "Outbox" WHERE id = ANY($1::bigint[]) AND status = 'PENDING'
       AND "availableAt" <= $2::timestamptz FOR UPDATE SKIP LOCKED)
     RETURNING id`,
    ids.map(String),
    now.toISOString(),
    lease.toISOString(),
  );
  return ctx.db.outbox.findMany({ where: { id: { in: claimed.map((r) => r.id) } }, orderBy: { id: "asc" } });
}

async function renderRows(ctx: JobContext, rows: Outbox[]): Promise<DigestSection<bigint>[]> {
  const assignmentIds = rows.flatMap((r) => (r.assignmentId === null ? [] : [r.assignmentId]));
  const assignments = await ctx.db.assignment.findMany({
    where: { id: { in: assignmentIds } },
    include: { unit: true, case: { include: { session: true, assignments: { include: { unit: true } } } } },
  });
  const byId = new Map(assignments.map((a) => [a.id, a]));
  const people = await loadPeople(ctx.db, [...new Set(assignments.map((a) => a.unitId))]);
  return rows.map((row) => {
    const payload = (row.payload ?? {}) as Record<string, unknown>;
    const a = row.assignmentId === null ? undefined : byId.get(row.assignmentId);
    let rendered: { header: string; body: string };
    if (a && (row.kind === "ASSIGNED" || row.kind === "ADJUSTED")) {
      const deadlines: { label: string; date: CalendarDate | null }[] = [
        { label: "签收期限", date: toCalendarDate(a.signDeadline) },
        { label: "调整申请期限", date: toCalendarDate(a.adjustDeadline) },
        answersProposer(a.role)
          ? { label: "答复期限", date: toCalendarDate(a.replyDeadline) }
          : { label: `${t.dutyLabel("OPINION", a.role)}期限`, date: toCalendarDate(a.opinionDeadline) },
      ];
      rendered = t.assignedNotice({
        case: a.case,
        change: row.kind,
        unitName: a.unit.name,
        role: a.role,
        units: a.case.assignments
          .filter((x) => x.state !== "WITHDRAWN")
          .sort((x, y) => ROLE_ORDER.indexOf(x.role) - ROLE_ORDER.indexOf(y.role) || x.id - y.id)
          .map((x) => ({ name: x.unit.name, role: x.role })),
        deadlines: deadlines.flatMap((d) => (d.date === null ? [] : [{ label: d.label, date: d.date }])),
        who: people.responsible(a.unitId, a.handlerId),
        from: typeof payload.from === "string" ? payload.from : undefined,
        to: typeof payload.to === "string" ? payload.to : undefined,
        withdrawn: a.state === "WITHDRAWN",
      });
    } else {
      rendered = t.otherNotice(row.kind, payload);
    }
    return { header: rendered.header, lines: [{ text: rendered.body, ids: [row.id] }] };
  });
}

export async function sendNoticeBatch(ctx: JobContext, job: NoticeBatchJob): Promise<{ sent: number }> {
  const now = new Date(ctx.clock.now());
  const rows = await leaseRows(ctx, job.outboxIds.map(BigInt), now);
  if (rows.length === 0) return { sent: 0 };
  const today = localTime(now, ctx.notify.timeZone).date;
  const pieces = packDigest(t.noticesTitle(today), await renderRows(ctx, rows));
  let remaining = rows;
  let sent = 0;
  for (const piece of pieces) {
    try {
      await ctx.push.push({ chatId: noticeChatId(job.chatKey), markdown: piece.markdown }, "notice");
    } catch (error) {
      await pushFailed(ctx, job.chatKey, remaining, error);
      return { sent };
    }
    await ctx.db.outbox.updateMany({
      where: { id: { in: piece.ids } },
      data: { status: "SENT", sentAt: new Date(ctx.clock.now()), lastError: null },
    });
    const done = new Set(piece.ids);
    remaining = remaining.filter((r) => !done.has(r.id));
    sent += piece.ids.length;
  }
  return { sent };
}

async function pushFailed(ctx: JobContext, chatKey: string, rows: Outbox[], error: unknown) {
  const message = errorText(error);
  if (error instanceof PushError && error.permanent) {
    ctx.log.error({ chatKey, err: message }, "通知推送失败（不可重试），已标记失败并告警督办室");
    await ctx.db.outbox.updateMany({
      where: { id: { in: rows.map((r) => r.id) } },
      data: { status: "FAILED", lastError: message, attempts: { increment: 1 } },
    });
    const routing = await loadRouting(ctx.db);
    // An alert that cannot reach the office would only fail again: those are logged, not re-alerted. A robot that is
    // gone was reported by the webhook channel itself (robotRemovedAlert), once per chat and day.
    if (chatKey !== routing.officeChat && rows.some((r) => r.kind !== "ALERT") && !isRobotGone(error)) {
      await raiseOfficeAlert(ctx, `outbox:${rows[0]?.id ?? 0n}`, t.pushFailedAlert("交办通知", chatKey, message));
    }
    return;
  }
  ctx.log.warn({ chatKey, err: message }, "通知推送失败，稍后重试");
  for (const row of rows) {
    await ctx.db.outbox.update({
      where: { id: row.id },
      data: {
        attempts: { increment: 1 },
        lastError: message,
        availableAt: new Date(ctx.clock.now() + retryDelay(ctx, row.attempts + 1)),
      },
    });
  }
}

/** Queues an ALERT notice for the office's group; the same key is queued once. */
export async function raiseOfficeAlert(
  ctx: Pick<JobContext, "db" | "clock">,
  key: string,
  text: string,
): Promise<void> {
  const office = await ctx.db.unit.findFirst({ where: { isOffice: true }, orderBy: { id: "asc" } });
  await ctx.db.outbox.upsert({
    where: { dedupeKey: `alert:${key}` },
    create: {
      kind: "ALERT",
      dedupeKey: `alert:${key}`,
      unitId: office?.id ?? null,
      payload: { text },
      availableAt: new Date(ctx.clock.now()),
    },
    update: {},
  });
}

/**
 * WeCom answered 93000/93004 for a group's webhook (robot removed, key invalid, robot disabled): tells the office once
 * per chat and day, however many pushes and restarts meet it. `today` is the date in TZ_CASES.
 */
export async function alertRobotRemoved(
  ctx: Pick<JobContext, "db" | "clock">,
  chatId: string | null,
  today: CalendarDate,
): Promise<void> {
  const chat =
    chatId === null ? null : await ctx.db.groupChat.findUnique({ where: { chatId }, include: { unit: true } });
  const name = chat?.name ?? chat?.unit?.name;
  const label = chatId === null ? "" : name ? `${name}（${chatId}）` : chatId;
  await raiseOfficeAlert(
    ctx,
    `robot-removed:${chatId ?? ""}:${today}`,
    t.pushFailedAlert("通知", label, "群机器人已失效（key 无效或机器人已被移出群），发往该群的通知已停止"),
  );
}
