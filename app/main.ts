// `npm start`: configuration, the record (migrations applied), demo data when there is no WeCom, Redis, HTTP.
// Says plainly what it started and where to look; on SIGINT/SIGTERM it closes everything it opened.
import type { Server } from "node:http";
import { callbackRoutes } from "../bot/callback.ts";
import { createConsole } from "../bot/console.ts";
import { type LongConnection, startLongConnection } from "../bot/long-connection.ts";
import { createPipeline } from "../bot/pipeline.ts";
import { DemoDataRefusedError, type DemoSummary, loadDemoData } from "../casework/demo-data.ts";
import { answerMessage } from "../commands/index.ts";
import { DataDirInUseError } from "../db/embedded.ts";
import { lastOfficialYear, todayIn } from "../domain/calendar.ts";
import { JOBS, startJobs, TICK_EVERY_MS } from "../jobs/index.ts";
import { ADMIN_API_PATH, adminApiRoutes } from "./admin-api.ts";
import { createAdminGuard } from "./admin-auth.ts";
import { DASHBOARD_PATH, dashboardRoutes } from "./dashboard.ts";
import { openDatabase } from "./database.ts";
import { ConfigError, type Env, hasWecomCredentials, loadDotEnv, loadEnv } from "./env.ts";
import { HolidaysFileError, loadHolidaysFile } from "./holidays.ts";
import { type Route, startHttp } from "./http.ts";
import { log } from "./log.ts";
import { createMetrics, metricsRoute } from "./metrics.ts";
import { createPush } from "./push.ts";
import { canReach, ensureRedis, RedisUnavailableError } from "./redis.ts";

const say = (label: string, text: string) => process.stdout.write(`  ${label.padEnd(10)} ${text}\n`);

async function prepareDemo(db: Awaited<ReturnType<typeof openDatabase>>["db"], env: Env): Promise<string> {
  if (hasWecomCredentials(env)) return "not loaded: WeCom is configured, so this is not a demo";
  const cases = await db.case.count();
  if (cases > 0) return `kept: the database already holds ${cases} cases`;
  let summary: DemoSummary;
  try {
    summary = await loadDemoData(db, { today: todayIn(env.TZ_CASES) });
  } catch (error) {
    // Units or people were loaded by hand before the first start: real data is never mixed with demo data.
    if (error instanceof DemoDataRefusedError) return `not loaded: ${error.message}`;
    throw error;
  }
  return (
    `loaded into the empty database because no WeCom credentials are set: ${summary.cases} cases, ` +
    `${summary.assignments} assignments, ${summary.units} units, ${summary.people} people`
  );
}

function wecomStatus(env: Env, longConnection: LongConnection | undefined): string {
  const parts: string[] = [];
  if (longConnection) {
    parts.push(
      longConnection.isConnected()
        ? `long connection to ${env.WECOM_WS_URL} connected`
        : `long connection to ${env.WECOM_WS_URL} not connected yet, retrying with back-off (see the log)`,
    );
  }
  if (env.WECOM_CALLBACK_TOKEN) parts.push(`callback mode at /wecom/callback`);
  if (env.WECOM_WEBHOOK_URL) parts.push("push webhook configured");
  return parts.length ? parts.join("; ") : "not configured (see .env.example): running locally";
}

/** What start-up opened, closed in reverse order on SIGINT/SIGTERM — also when the signal comes mid-start. */
const closers: (() => unknown)[] = [];
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping");
  for (const close of closers.reverse()) {
    try {
      await close();
    } catch (error) {
      log.error({ err: error }, "closing failed");
    }
  }
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));

async function main(): Promise<void> {
  loadDotEnv();
  const env = loadEnv();
  process.stdout.write("casebot (督办助手) starting\n");
  // Before anything computes a deadline (the demo data, an import, the scheduler).
  if (env.HOLIDAYS_FILE) await loadHolidaysFile(env.HOLIDAYS_FILE);
  const lastYear = lastOfficialYear();
  if (Number(todayIn(env.TZ_CASES).slice(0, 4)) + 1 > lastYear) {
    say(
      "calendar",
      `warning: the official holiday data ends with ${lastYear}; later deadlines count Monday–Friday without ` +
        "holidays until it is given: npm update chinese-days, or HOLIDAYS_FILE with the State Council's notice",
    );
  } else if (env.HOLIDAYS_FILE) {
    say("calendar", `official holidays and 调休 through ${lastYear} (HOLIDAYS_FILE ${env.HOLIDAYS_FILE})`);
  }

  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  closers.push(() => database.close());
  const migrations = database.migrationsApplied.length
    ? `migrations applied now: ${database.migrationsApplied.join(", ")}`
    : "migrations up to date";
  say("database", `${database.description}; ${migrations}`);
  say("demo data", await prepareDemo(database.db, env));
  const redis = await ensureRedis(env.REDIS_URL, env.DATA_DIR);
  closers.push(() => redis.stop());
  say(
    "redis",
    redis.privateServer
      ? `nothing answered at ${env.REDIS_URL}, so a private redis-server was started for this session at ${redis.url}`
      : redis.url,
  );

  const db = database.db;
  const pipeline = createPipeline({
    db,
    answer: (message) => answerMessage(db, message, { today: () => todayIn(env.TZ_CASES) }),
    onError: (error, message) => log.error({ err: error, msgid: message.msgid }, "answering a message failed"),
  });
  const routes: Route[] = [];
  // The console lets anyone who reaches the port speak as any member: only ever without real WeCom.
  const localConsole = hasWecomCredentials(env) ? undefined : createConsole({ db, pipeline });
  if (localConsole) {
    routes.push(...localConsole.routes);
    closers.push(() => localConsole.close());
  }
  if (env.WECOM_CALLBACK_TOKEN && env.WECOM_CALLBACK_AES_KEY) {
    routes.push(
      ...callbackRoutes({ token: env.WECOM_CALLBACK_TOKEN, aesKey: env.WECOM_CALLBACK_AES_KEY, pipeline, log }),
    );
  }
  const longConnection =
    env.WECOM_BOT_ID && env.WECOM_BOT_SECRET
      ? await startLongConnection({
          botId: env.WECOM_BOT_ID,
          secret: env.WECOM_BOT_SECRET,
          wsUrl: env.WECOM_WS_URL,
          pipeline,
          log,
        })
      : undefined;
  if (longConnection) closers.push(() => longConnection.stop());

  const metrics = createMetrics({ processMetrics: true });
  const { push, close: closePush } = createPush({
    db,
    redisUrl: redis.url,
    defaultWebhookUrl: env.WECOM_WEBHOOK_URL,
    timeZone: env.TZ_CASES,
    console: localConsole?.channel,
    longConnection,
    metrics,
    log,
  });
  closers.push(closePush);
  const notify = { timeZone: env.TZ_CASES, hours: env.NOTIFY_HOURS, workdaysOnly: env.NOTIFY_WORKDAYS_ONLY };
  const jobs = await startJobs({ db, redisUrl: redis.url, push, notify, log, metrics });
  // Stops taking jobs and lets running ones finish before the connections and the database close.
  closers.push(() => jobs.stop());
  metrics.watch({ db, queues: jobs.queues });
  const guard = env.ADMIN_TOKEN ? createAdminGuard(env.ADMIN_TOKEN) : undefined;
  routes.push(
    metricsRoute(metrics, guard),
    ...(await dashboardRoutes({ queues: jobs.queues, guard })),
    ...adminApiRoutes({ db, guard }),
  );

  const server: Server = await startHttp({
    port: env.PORT,
    // The console trusts whoever reaches it to be the member they pick: keep it on this machine.
    host: localConsole ? "127.0.0.1" : "0.0.0.0",
    checks: {
      database: async () => (await db.$queryRaw<unknown[]>`SELECT 1`).length === 1,
      redis: () => canReach(redis.url),
      ...(longConnection ? { wecom: async () => longConnection.isConnected() } : {}),
    },
    routes,
    onError: (error) => log.error({ err: error }, "http request failed"),
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // open event streams and keep-alive sockets would hold close() forever
      }),
  );
  const base = `http://127.0.0.1:${env.PORT}`;
  say("http", `${base}/healthz (health)`);
  say(
    "scheduler",
    `${JOBS.length} queues on Redis (${JOBS.map((j) => j.queue).join(", ")}), a tick every ${TICK_EVERY_MS / 1000} s; ` +
      `reminders ${env.NOTIFY_HOURS === "always" ? "at any hour" : `within ${env.NOTIFY_HOURS}`}` +
      `${env.NOTIFY_WORKDAYS_ONLY ? " on working days" : ""} (${env.TZ_CASES})`,
  );
  say(
    "ops",
    `${base}/metrics (Prometheus${guard ? ", needs ADMIN_TOKEN" : ""}); ` +
      (guard
        ? `${base}${DASHBOARD_PATH} (queue dashboard: open ?token=<ADMIN_TOKEN> once); ` +
          `${base}${ADMIN_API_PATH} (admin API: import, export, groups — see README)`
        : `queue dashboard and admin API off: set ADMIN_TOKEN to serve them at ${DASHBOARD_PATH} and ${ADMIN_API_PATH}`),
  );
  if (localConsole)
    say(
      "console",
      `${base}/  — the local console: pick who you are and talk to the bot as in the group (this machine only)`,
    );
  say("wecom", wecomStatus(env, longConnection));
  say("cli", "npx casebot help   (import a 交办清单, export the 台账, load units and members)");
  process.stdout.write("casebot is running; Ctrl+C stops it.\n");
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof RedisUnavailableError ||
    error instanceof DataDirInUseError ||
    error instanceof HolidaysFileError
  ) {
    process.stderr.write(`casebot cannot start.\n${error.message}\n`);
  } else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    process.stderr.write(`casebot cannot start: port ${process.env.PORT ?? 3000} is in use; set PORT to a free one.\n`);
  } else {
    log.error({ err: error }, "casebot failed to start");
  }
  process.exit(1);
});
