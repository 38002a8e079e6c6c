// One complete scheduler instance in a process of its own, for the kill tests (test/jobs/kill.test.ts). Configured
// by environment: TEST_DB_URL, TEST_REDIS_URL, TEST_PREFIX, TEST_WECOM_URL, TEST_BUSINESS_START (ms). Prints "ready".
import { Redis } from "ioredis";
import { createSlidingWindow, realClock } from "../../bot/rate-limit.ts";
import { createWebhookChannel, WEBHOOK_LIMIT, WEBHOOK_WINDOW_MS } from "../../bot/webhook.ts";
import { createDb } from "../../db/client.ts";
import { startJobs } from "../../jobs/index.ts";
import { silentLog } from "./log.ts";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} missing`);
  return value;
};
const db = createDb(env("TEST_DB_URL"), { poolSize: 4 });
const redis = new Redis(env("TEST_REDIS_URL"), { maxRetriesPerRequest: null });
const prefix = env("TEST_PREFIX");
const wecom = env("TEST_WECOM_URL");
const base = Number(env("TEST_BUSINESS_START"));
const started = Date.now();

const push = createWebhookChannel({
  webhookFor: async (chatId) => `${wecom}/cgi-bin/webhook/send?key=${chatId ?? "office"}`,
  limiter: createSlidingWindow({ redis, prefix, limit: WEBHOOK_LIMIT, windowMs: WEBHOOK_WINDOW_MS }),
  maxAttempts: 1,
  timeoutMs: 60_000,
  onRobotRemoved: () => {},
  log: silentLog,
});
const jobs = await startJobs({
  db,
  redisUrl: env("TEST_REDIS_URL"),
  prefix,
  push,
  clock: { now: () => base + (Date.now() - started), sleep: realClock.sleep },
  notify: { timeZone: "Asia/Shanghai", hours: "always", workdaysOnly: false },
  log: silentLog,
  tickEveryMs: 300,
  watchdogMs: 500,
  leaseMs: 1500,
  retryMs: 200,
  // One send at a time: when the test kills this process during a hung request, no other push is in flight.
  sendConcurrency: 1,
});
process.on("SIGTERM", () => {
  void jobs.stop().then(async () => {
    await db.$disconnect();
    redis.disconnect();
    process.exit(0);
  });
});
process.stdout.write("ready\n");
