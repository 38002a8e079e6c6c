// What /metrics shows (Prometheus text format): every metric is registered here, on a registry of its own that the
// caller passes where counts are made, so tests build a fresh one and nothing is global.
//   counted as it happens: pushes by kind, channel and outcome; reminder lateness; rate-limit waits
//   read on each scrape:   queue depths per queue and state; outbox rows and reminder slots still pending
import type { Queue } from "bullmq";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/client.ts";
import type { AdminGuard } from "./admin-auth.ts";
import type { Route } from "./http.ts";

const QUEUE_STATES = ["waiting", "active", "delayed"] as const;

export interface Metrics {
  registry: Registry;
  /** One per notice pushed (a split message counts once), labelled kind, channel, outcome (sent/failed). */
  pushes: Counter<"kind" | "channel" | "outcome">;
  /** Seconds from a reminder slot's due moment to WeCom confirming it. */
  reminderLateness: Histogram;
  /** Seconds a webhook send waited: reason "window" (our shared 20/min window was full) or "wecom_45009". */
  rateLimitWaits: Histogram<"reason">;
  /** Reads queue depths and pending work from BullMQ and PostgreSQL on each scrape. Call once per registry. */
  watch(sources: { db: Db; queues: Queue[] }): void;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Process CPU, memory and event-loop figures; main turns them on, tests leave them off.
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: "casebot_" });
  const registers = [registry];
  return {
    registry,
    pushes: new Counter({
      name: "casebot_pushes_total",
      help: "Notices pushed, by kind (notice/reminder), channel (console/webhook/long_connection/none) and outcome (sent/failed)",
      labelNames: ["kind", "channel", "outcome"],
      registers,
    }),
    reminderLateness: new Histogram({
      name: "casebot_reminder_lateness_seconds",
      help: "Seconds between a reminder slot's due moment (office hours opening on its day, or its creation if later) and its send",
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400],
      registers,
    }),
    rateLimitWaits: new Histogram({
      name: "casebot_webhook_rate_limit_wait_seconds",
      help: 'Seconds a webhook send waited for the rate limit: reason "window" (shared 20/min window full) or "wecom_45009"',
      labelNames: ["reason"],
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    watch({ db, queues }) {
      new Gauge({
        name: "casebot_queue_jobs",
        help: "Jobs in each BullMQ queue, by state (waiting/active/delayed)",
        labelNames: ["queue", "state"],
        registers,
        async collect() {
          this.reset();
          // Redis down: no queue samples this time (an absent series, not a false 0); the rest still answer.
          await Promise.all(
            queues.map(async (queue) => {
              const counts = await queue.getJobCounts(...QUEUE_STATES).catch(() => undefined);
              if (counts) for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
            }),
          );
        },
      });
      new Gauge({
        name: "casebot_outbox_pending",
        help: "Outbox notices not yet sent (status PENDING)",
        registers,
        async collect() {
          // NaN when the database does not answer: unknown, not a reassuring 0.
          this.set(await db.outbox.count({ where: { status: "PENDING" } }).catch(() => Number.NaN));
        },
      });
      new Gauge({
        name: "casebot_reminder_slots_pending",
        help: "Reminder slots not yet sent (status PENDING)",
        registers,
        async collect() {
          // NaN when the database does not answer: unknown, not a reassuring 0.
          this.set(await db.reminderSlot.count({ where: { status: "PENDING" } }).catch(() => Number.NaN));
        },
      });
    },
  };
}

/** GET /metrics; behind the admin guard when ADMIN_TOKEN is set, open on the ops port otherwise. */
export function metricsRoute(metrics: Metrics, guard?: AdminGuard): Route {
  return {
    method: "GET",
    path: "/metrics",
    async handle(req, res, url) {
      if (guard && !guard.admit(req, res, url)) return;
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(body);
    },
  };
}
