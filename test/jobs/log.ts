import { pino } from "pino";

/** Tests keep their output clean; set LOG_LEVEL=debug to see the scheduler's log. */
export const silentLog = pino({ level: process.env.LOG_LEVEL ?? "silent" });
