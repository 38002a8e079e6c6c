// The scheduler tick: every TICK_EVERY_MS one Job Scheduler job (deterministic id, so any number of instances share
// one schedule) asks PostgreSQL what is due now and enqueues it: one notice job per chat with pending Outbox rows, and
// — inside NOTIFY_HOURS on working days — one reminder digest job per chat with due slots. Redis holds only these
// few jobs, never one entry per open assignment; everything else is recomputed from PostgreSQL on the next tick. A tick
// writes at most CLAIM_PER_TICK new reminder slots, so even a very large day is claimed in bounded steps.
import { createHash } from "node:crypto";
import { localTime, mayNotify } from "../domain/reminders.ts";
import { type ChatKey, loadRouting } from "./chats.ts";
import { chatsWithPendingSlots, claimDueSlots } from "./claim-slots.ts";
import type { JobContext } from "./context.ts";
import type { NoticeBatchJob } from "./send-notices.ts";
import type { ReminderDigestJob } from "./send-reminders.ts";
import { queueWeeklyProgress } from "./weekly-progress.ts";

export const TICK_QUEUE = "casebot-tick";
export const TICK_SCHEDULER_ID = "casebot-tick";
export const TICK_EVERY_MS = 30_000;

// biome-ignore lint/complexity/noBannedTypes: the tick needs no data.
export type TickJob = {};

/** Outbox rows per notice job; a 10,000-row import becomes a handful of jobs, each one chat's batch. */
const NOTICE_BATCH = 200;
const OUTBOX_SCAN = 5000;

export interface PlannedJob<T> {
  /** Deterministic: the same work planned twice (two instances, a retried tick) is enqueued once. */
  jobId: string;
  /** BullMQ deduplication id: one job per chat in flight. */
  dedupeId: string;
  data: T;
}

export interface TickPlan {
  notices: PlannedJob<NoticeBatchJob>[];
  reminders: PlannedJob<ReminderDigestJob>[];
  /** Reminder slots written on this tick. */
  newSlots: number;
}

export function chatTag(chatKey: ChatKey): string {
  return createHash("sha1").update(chatKey).digest("hex").slice(0, 12);
}

/**
 * Claims what is due at the clock's now from PostgreSQL and returns the jobs to enqueue. `everyMs` is the tick
 * interval: reminder job ids change from one tick to the next, so a job stuck with a dead worker never blocks its chat.
 */
export async function runTick(ctx: JobContext, everyMs: number = TICK_EVERY_MS): Promise<TickPlan> {
  const now = new Date(ctx.clock.now());
  const routing = await loadRouting(ctx.db);
  const plan: TickPlan = { notices: [], reminders: [], newSlots: 0 };

  const pending = await ctx.db.outbox.findMany({
    where: { status: "PENDING", availableAt: { lte: now } },
    orderBy: { id: "asc" },
    take: OUTBOX_SCAN,
    select: { id: true, unitId: true },
  });
  const byChat = new Map<ChatKey, bigint[]>();
  for (const row of pending) {
    // One chat per row: a unit bound to several groups hears its 交办 notice in the first one.
    const chat = routing.chatsOf(row.unitId)[0] ?? routing.officeChat;
    byChat.set(chat, [...(byChat.get(chat) ?? []), row.id]);
  }
  for (const [chatKey, ids] of byChat) {
    for (let i = 0; i < ids.length; i += NOTICE_BATCH) {
      const batch = ids.slice(i, i + NOTICE_BATCH);
      const tag = chatTag(chatKey);
      plan.notices.push({
        jobId: `notices-${tag}-${batch[0]}-${batch.at(-1)}`,
        dedupeId: `notices-${tag}-${batch[0]}`,
        data: { chatKey, outboxIds: batch.map(String) },
      });
    }
  }

  if (mayNotify(now, ctx.notify)) {
    const today = localTime(now, ctx.notify.timeZone).date;
    plan.newSlots = await claimDueSlots(ctx.db, today, routing, ctx.log);
    // Queued into the Outbox now, picked up with the other notices on the next tick.
    await queueWeeklyProgress(ctx, today);
    const bucket = Math.floor(now.getTime() / everyMs);
    for (const chatKey of await chatsWithPendingSlots(ctx.db, now)) {
      const tag = chatTag(chatKey);
      plan.reminders.push({ jobId: `reminders-${tag}-${bucket}`, dedupeId: `reminders-${tag}`, data: { chatKey } });
    }
  }
  return plan;
}
