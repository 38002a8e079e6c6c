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
  await setup.tickQueue.upsertJobScheduler(
    TICK_SCHEDULER_ID,
    { every: setup.tickEveryMs },
    { name: "tick", data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  await setup.redis.set(sentinelKey(setup.prefix), new Date().toISOString());
}

/** True when Redis was found wiped (and has been set up again). */
export async function recoverIfWiped(setup: SchedulerSetup, tickNow: (reason: string) => Promise<void>) {
  if ((await setup.redis.exists(sentinelKey(setup.prefix))) === 1) return false;
  await installSchedulers(setup);
  await tickNow("recover");
  return true;
}
