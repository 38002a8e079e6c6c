// Every background job, listed here explicitly (a job missing from JOBS does not run — no registration by import), and
// startJobs(), which runs them on BullMQ: one queue and worker per job, the tick's Job Scheduler, and the watchdog
// that rebuilds a wiped Redis from PostgreSQL.
import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { log as defaultLog } from "../app/log.ts";
import type { Metrics } from "../app/metrics.ts";
import type { PushRouter } from "../bot/push.ts";
import { type Clock, realClock } from "../bot/rate-limit.ts";
import type { Db } from "../db/client.ts";
import type { NotifyRules } from "../domain/reminders.ts";
import { DEFAULT_LEASE_MS, DEFAULT_RETRY_MS, type JobContext } from "./context.ts";
import { installSchedulers, recoverIfWiped, type SchedulerSetup } from "./recovery.ts";
import { NOTICES_QUEUE, type NoticeBatchJob, sendNoticeBatch } from "./send-notices.ts";
import { REMINDERS_QUEUE, type ReminderDigestJob, sendReminderDigest } from "./send-reminders.ts";
import { type PlannedJob, runTick, TICK_EVERY_MS, TICK_QUEUE, type TickPlan } from "./tick.ts";

export type { JobContext } from "./context.ts";
export { NOTICES_QUEUE, sendNoticeBatch } from "./send-notices.ts";
export { REMINDERS_QUEUE, sendReminderDigest } from "./send-reminders.ts";
export { runTick, TICK_EVERY_MS, TICK_QUEUE, TICK_SCHEDULER_ID, type TickPlan } from "./tick.ts";

interface Runtime {
  tickEveryMs: number;
  enqueue(plan: TickPlan): Promise<void>;
}

interface JobDefinition<T> {
  queue: string;
  concurrency: number;
  process(ctx: JobContext, data: T, runtime: Runtime): Promise<unknown>;
}

const tickJob: JobDefinition<unknown> = {
  queue: TICK_QUEUE,
  concurrency: 1,
  process: async (ctx, _data, runtime) => {
    const plan = await runTick(ctx, runtime.tickEveryMs);
    await runtime.enqueue(plan);
    return { notices: plan.notices.length, reminders: plan.reminders.length, newSlots: plan.newSlots };
  },
};
const noticesJob: JobDefinition<NoticeBatchJob> = { queue: NOTICES_QUEUE, concurrency: 4, process: sendNoticeBatch };
const remindersJob: JobDefinition<ReminderDigestJob> = {
  queue: REMINDERS_QUEUE,
  concurrency: 4,
  process: sendReminderDigest,
};

const STOP_GRACE_MS = 10_000;

/** All jobs. Add a new one here, or it never runs. */
export const JOBS = [tickJob, noticesJob, remindersJob] as const;

export interface StartJobsOptions {
  db: Db;
  redisUrl: string;
  /** BullMQ key prefix (never ioredis keyPrefix); default "casebot". */
  prefix?: string;
  /** A PushChannel, or the push router (which is told each push's kind, for /metrics). */
  push: PushRouter;
  /** Reminder lateness is observed here when given. */
  metrics?: Pick<Metrics, "reminderLateness">;
  /** Business time for deadlines, quiet hours and leases; default realClock. */
  clock?: Clock;
  /** TZ_CASES, NOTIFY_HOURS, NOTIFY_WORKDAYS_ONLY; defaults Asia/Shanghai, 09:00-17:30, true. */
  notify?: Partial<NotifyRules>;
  log?: Logger;
  /** Tick interval (real time); default TICK_EVERY_MS (30 s). */
  tickEveryMs?: number;
  /** How often (real time) the watchdog checks for a wiped Redis; default 10 s. */
  watchdogMs?: number;
  leaseMs?: number;
  retryMs?: number;
  /** Jobs each send worker runs at once (different chats); default 4. */
  sendConcurrency?: number;
}

export interface RunningJobs {
  /** Enqueues a tick now (besides the scheduled ones). */
  tickNow(): Promise<void>;
  /** Checks the sentinel; re-creates the scheduler and ticks when Redis was wiped. True for the call that did so. */
  checkRedis(): Promise<boolean>;
  queues: Queue[];
  /** Graceful: stops taking jobs, lets running ones finish, closes every connection. */
  stop(): Promise<void>;
}

export async function startJobs(options: StartJobsOptions): Promise<RunningJobs> {
  const prefix = options.prefix ?? "casebot";
  const log = options.log ?? defaultLog;
  const ctx: JobContext = {
    db: options.db,
    push: options.push,
    clock: options.clock ?? realClock,
    notify: { timeZone: "Asia/Shanghai", hours: "09:00-17:30", workdaysOnly: true, ...options.notify },
    log,
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    retryMs: options.retryMs ?? DEFAULT_RETRY_MS,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  const connection = { url: options.redisUrl, maxRetriesPerRequest: null };
  const tickEveryMs = options.tickEveryMs ?? TICK_EVERY_MS;
  const queues = new Map(
    JOBS.map((j) => {
      const q = new Queue(j.queue, { connection, prefix });
      // Without a listener, connection errors during a Redis outage would go to console.error, not the log.
      q.on("error", (err) => log.warn({ queue: j.queue, err }, "后台任务连接出错"));
      return [j.queue, q] as const;
    }),
  );
  const queue = (name: string) => {
    const q = queues.get(name);
    if (!q) throw new Error(`no queue ${name}`);
    return q;
  };

  const addAll = async <T>(name: string, jobs: PlannedJob<T>[]) => {
    if (jobs.length === 0) return;
    await queue(name).addBulk(
      jobs.map((j) => ({
        name,
        data: j.data,
        opts: {
          jobId: j.jobId,
          // One job per chat in Redis; the ttl lets a new one in after a worker died holding the old one (its rows
          // are protected by their PostgreSQL lease, so two jobs for one chat never send a row twice).
          deduplication: { id: j.dedupeId, ttl: 2 * tickEveryMs },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      })),
    );
  };
  const runtime: Runtime = {
    tickEveryMs,
    async enqueue(plan) {
      await addAll(NOTICES_QUEUE, plan.notices);
      await addAll(REMINDERS_QUEUE, plan.reminders);
    },
  };

  const workers = JOBS.map((definition) => {
    const worker = new Worker(
      definition.queue,
      async (job: Job) => (definition.process as JobDefinition<unknown>["process"])(ctx, job.data, runtime),
      {
        connection,
        prefix,
        concurrency: definition.queue === TICK_QUEUE ? 1 : (options.sendConcurrency ?? definition.concurrency),
      },
    );
    worker.on("failed", (job, err) => log.error({ queue: definition.queue, jobId: job?.id, err }, "后台任务失败"));
    worker.on("error", (err) => log.warn({ queue: definition.queue, err }, "后台任务连接出错"));
    return worker;
  });

  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  redis.on("error", (err) => log.warn({ err }, "Redis 连接出错"));
  const setup: SchedulerSetup = {
    redis,
    prefix,
    tickQueue: queue(TICK_QUEUE),
    tickEveryMs,
  };
  const tickNow = async (reason = "now") => {
    // Per second: instances recovering at the same moment add one tick between them.
    const second = Math.floor(Date.now() / 1000);
    await queue(TICK_QUEUE).add(
      "tick",
      {},
      { jobId: `tick-${reason}-${second}`, removeOnComplete: true, removeOnFail: 100 },
    );
  };
  const checkRedis = async () => {
    const wiped = await recoverIfWiped(setup, tickNow);
    if (wiped) log.warn({ prefix }, "Redis 数据已丢失（哨兵键不存在），已重建定时任务并从数据库重新排队");
    return wiped;
  };

  await installSchedulers(setup);
  await tickNow("start");
  let stopped = false;
  // On reconnect the server may be a fresh, empty Redis; the watchdog also catches a FLUSHALL without a reconnect.
  redis.on(
    "ready",
    () => void (stopped ? undefined : checkRedis().catch((err) => log.warn({ err }, "检查 Redis 失败"))),
  );
  const watchdog = setInterval(
    () => void checkRedis().catch((err) => log.warn({ err }, "检查 Redis 失败")),
    options.watchdogMs ?? 10_000,
  );
  watchdog.unref();

  return {
    tickNow: () => tickNow("now"),
    checkRedis,
    queues: [...queues.values()],
    async stop() {
      stopped = true;
      clearInterval(watchdog);
      // Let running jobs finish; a push stuck behind WeCom's rate limit is cut off after STOP_GRACE_MS (its rows keep
      // their PostgreSQL lease and are sent by whoever runs next).
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close())).then(() => false);
      const late = await Promise.race([
        graceful,
        new Promise<boolean>((r) => (timer = setTimeout(r, STOP_GRACE_MS, true))),
      ]);
      clearTimeout(timer);
      if (late) await Promise.all(workers.map((w) => w.close(true)));
      await Promise.all([...queues.values()].map((q) => q.close()));
      redis.disconnect();
    },
  };
}
