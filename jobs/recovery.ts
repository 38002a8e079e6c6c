// Redis here keeps nothing on disk: a restart or FLUSHALL loses every scheduler and delayed job. A sentinel key marks
// a Redis that has our schedulers; when it is missing (at start, on reconnect, or found by the watchdog) we re-create
// the scheduler and tick at once. Nothing else needs restoring: every pending notice and reminder slot lives in
// PostgreSQL and the tick re-enqueues it.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { TICK_SCHEDULER_ID } from "./tick.ts";

export function sentinelKey(prefix: string): string {
  return `${prefix}:casebot:sentinel`;
}

export interface SchedulerSetup {
  redis: Redis;
  prefix: string;
  tickQueue: Queue;
  tickEveryMs: number;
}

/** Upserts the tick's Job Scheduler (idempotent by id) and sets the sentinel. */
export async function installSchedulers(setup: SchedulerSetup): Promise<void> {
  // Aligned to whole multiples of the interval (BullMQ would start from "now"), so a tick falls on 09:00:00 sharp and
  // the morning's reminders are not up to an interval late. An existing scheduler keeps its own times.
  const every = setup.tickEveryMs;
  await setup.tickQueue.upsertJobScheduler(
    TICK_SCHEDULER_ID,
    { every, startDate: Math.ceil(Date.now() / every) * every },
    { name: "tick", data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  await setup.redis.set(sentinelKey(setup.prefix), new Date().toISOString());
}

/** Checks in flight, per setup: while Redis is down, each watchdog round and reconnect would queue another. */
const checking = new WeakMap<SchedulerSetup, Promise<boolean>>();

/**
 * True when this call found Redis wiped and set it up again. A call made while a check is running waits for that one
 * and gets false (it did nothing itself): an outage queues one check, not one per watchdog round waiting for Redis,
 * and a restart is recovered, and reported, once.
 */
export async function recoverIfWiped(
  setup: SchedulerSetup,
  tickNow: (reason: string) => Promise<void>,
): Promise<boolean> {
  const running = checking.get(setup);
  if (running) {
    await running;
    return false;
  }
  const check = (async () => {
    if ((await setup.redis.exists(sentinelKey(setup.prefix))) === 1) return false;
    await installSchedulers(setup);
    await tickNow("recover");
    return true;
  })().finally(() => checking.delete(setup));
  checking.set(setup, check);
  return check;
}
