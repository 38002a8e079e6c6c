// Operators' log: structured JSON lines (pino). What people read at start goes to stdout as plain lines instead.
import { pino } from "pino";

export const log = pino({
  level: process.env.LOG_LEVEL ?? "info",
  redact: { paths: ["*.secret", "*.token", "*.password", "*.WECOM_BOT_SECRET", "*.ADMIN_TOKEN"], censor: "[redacted]" },
});
