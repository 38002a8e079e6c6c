// What every processor receives: the record, the way out to WeCom, the time, and when notices may go out. Processors
// take it as an argument, so tests call them directly with a fake clock and a recording channel.
import type { Logger } from "pino";
import type { Metrics } from "../app/metrics.ts";
import type { PushRouter } from "../bot/push.ts";
import type { Clock } from "../bot/rate-limit.ts";
import type { Db } from "../db/client.ts";
import type { NotifyRules } from "../domain/reminders.ts";

export interface JobContext {
  db: Db;
  /** Resolves only once WeCom confirmed; PushError { permanent } otherwise. Told the kind, for /metrics. */
  push: PushRouter;
  /** Business time (deadlines, quiet hours, leases). BullMQ's own timing stays real. */
  clock: Clock;
  notify: NotifyRules;
  log: Logger;
  /** How long a worker holds the rows it is sending before another may take them over; default 15 min. */
  leaseMs: number;
  /** Wait before a failed (retryable) push is tried again; default 60 s, doubling per attempt up to 1 h. */
  retryMs: number;
  /** Reminder lateness goes here when set (pushes are counted by the push router). */
  metrics?: Pick<Metrics, "reminderLateness">;
}

export const DEFAULT_LEASE_MS = 15 * 60_000;
export const DEFAULT_RETRY_MS = 60_000;

export function retryDelay(ctx: JobContext, attempts: number): number {
  return Math.min(ctx.retryMs * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}
