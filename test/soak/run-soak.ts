// A bounded soak of the bot's real pieces in one process: PostgreSQL, a private redis-server (so it can be killed and
// started again), the BullMQ scheduler pushing through the webhook channel to the fake WeCom, and chat commands through
// the fake long connection. Under a steady stream of commands, new 交办 notices and reminder slots, Redis is killed
// and restarted; the report says what ran, how heap and open handles moved, what was delivered how often, and every
// warn/error logged. test/soak/soak.test.ts runs it for about a minute; `npm run bench -- soak` for longer.
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Redis } from "ioredis";
import { pino } from "pino";
import { freePort, startRedisServer } from "../../app/redis.ts";
import { type HandledMessage, startLongConnection } from "../../bot/long-connection.ts";
import type { IncomingMessage } from "../../bot/message.ts";
import { createPipeline, FAILURE_ANSWER, type Pipeline } from "../../bot/pipeline.ts";
import { createSlidingWindow, realClock } from "../../bot/rate-limit.ts";
import { createWebhookChannel, WEBHOOK_LIMIT, WEBHOOK_WINDOW_MS } from "../../bot/webhook.ts";
import { enqueueNotice } from "../../casework/events.ts";
import { answerMessage } from "../../commands/index.ts";
import { createDb, type Db } from "../../db/client.ts";
import { localTime } from "../../domain/reminders.ts";
import { startJobs } from "../../jobs/index.ts";
import { startFakeWecomHttp } from "../fake-wecom/http-server.ts";
import { startFakeLongConnection } from "../fake-wecom/ws-server.ts";
import { seedWorld, shanghai } from "../jobs/fixture.ts";
import { createTestDatabase } from "../support/postgres.ts";

export interface SoakOptions {
  /** How long the load runs (the drain afterwards comes on top). */
  seconds: number;
  /** Redis kills, spread evenly over the run; default 2. */
  restarts?: number;
  /** Commands in flight at once, each from the next of 67 people (round-robin); default 6. */
  users?: number;
  /** Pause of each user between commands; default 300 ms. */
  thinkMs?: number;
  /** New work (assignments, 交办 notices, FollowUps) every this often; default 10 s. */
  waveMs?: number;
  /** Progress lines (one every ~10 s); default none. */
  progress?: (line: string) => void;
}

export interface LogEntry {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface SoakReport {
  seconds: number;
  commandsSent: number;
  commandsAnswered: number;
  /** Answers that were the failure apology, the stranger line or not about the asked case; first few kept. */
  badAnswers: string[];
  /** Commands whose reply never reached the fake WeCom. */
  commandsLost: number;
  /** Webhook messages the fake WeCom accepted. */
  pushes: number;
  pushesRejected: number;
  outboxRows: number;
  reminderSlots: number;
  followUps: number;
  restarts: number;
  /** "Redis 数据已丢失" recoveries logged. */
  recoveries: number;
  /** Missing or repeated deliveries, and rows not SENT at the end. */
  deliveryProblems: string[];
  drainMs: number;
  /** Heap used (less compiled code) after a full GC, sampled every second once the load is warm. */
  heapSamplesMb: number[];
  heapFirstThirdMb: number;
  heapLastThirdMb: number;
  handlesBefore: Record<string, number>;
  handlesWarm: Record<string, number>;
  handlesEnd: Record<string, number>;
  handlesAfterStop: Record<string, number>;
  /** Clients connected to the private Redis just before the first kill and at the end of the load. */
  redisClientsBefore: number;
  redisClientsEnd: number;
  /** Every warn/error logged (and printed with console.error), and those that no restart explains. */
  warnings: LogEntry[];
  /** Of the warnings, those printed with console.error instead of the logger. */
  consoleErrors: number;
  unexpected: LogEntry[];
}

/** Messages a Redis restart explains: lost connections while it is down, and the recovery once it is back. */
const RESTART_MESSAGES = new Set(["后台任务连接出错", "Redis 连接出错", "检查 Redis 失败"]);
const RECOVERY_PREFIX = "Redis 数据已丢失";
const CONSOLE_PREFIX = "console.error: ";
/** The WeCom SDK warns when its socket closes, also when we close it ourselves on stop. */
const STOP_MESSAGE = "WebSocket connection closed";
/** How long after Redis is back a connection error still counts as the restart's. */
const RESTART_GRACE_MS = 10_000;
const TZ = "Asia/Shanghai";
const UNITS = 6;
/** With 6 units: 67 people, so 6 users asking every ~300 ms stay under 20 a minute each. */
const HANDLERS_PER_UNIT = 9;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A full GC on demand without --expose-gc on the command line (vitest's workers do not get it). */
function forcedGc(): () => void {
  setFlagsFromString("--expose_gc");
  return runInNewContext("gc") as () => void;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let done: Promise<T> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

/** Heap used, less compiled code: V8 keeps compiling (and tiering up) functions for minutes, which is no leak. */
function heapWithoutCode(): number {
  const code = getHeapSpaceStatistics().find((s) => s.space_name === "code_space")?.space_used_size ?? 0;
  return process.memoryUsage().heapUsed - code;
}

function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? 0
    : sorted.length % 2
      ? (sorted[mid] ?? 0)
      : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** A redis-server of our own that keeps nothing on disk, on a fixed port so it can be started again there. */
function privateRedis(port: number) {
  let child: ChildProcess | null = null;
  const url = `redis://127.0.0.1:${port}`;
  async function start() {
    child = await startRedisServer({ port });
  }
  /** "shutdown": SHUTDOWN NOSAVE, as an operator would; "crash": SIGKILL, no goodbye to the clients. */
  async function kill(how: "shutdown" | "crash") {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    if (how === "crash") running.kill("SIGKILL");
    else {
      const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on("error", () => {});
      await admin.call("SHUTDOWN", "NOSAVE").catch(() => {}); // the connection closes instead of an answer
      admin.disconnect();
    }
    await exited;
  }
  return { url, start, kill };
}

/** Business time: Monday 2026-04-13 10:00 in Shanghai, a working day, moving with real time. */
function businessClock() {
  const base = shanghai("2026-04-13 10:00").getTime();
  const started = Date.now();
  return { now: () => base + (Date.now() - started), sleep: realClock.sleep };
}

/** The case numbers each kind of line names, per chat, from the messages the fake WeCom accepted. */
function deliveredLines(messages: string[]) {
  const found = { NOTICE: [] as string[], UNIT: [] as string[], ESCALATION: [] as string[], weekly: 0, unknown: 0 };
  let mode: "NOTICE" | "UNIT" | "ESCALATION" | null = null;
  for (const message of messages) {
    if (message.includes("【每周进度】")) {
      found.weekly += 1;
      continue;
    }
    for (const line of message.split("\n")) {
      if (line.includes("【督办提醒】")) mode = "UNIT";
      else if (line.includes("【逾期督办】")) mode = "ESCALATION";
      else if (/^\*\*【督办助手】.* 通知\*\*$/.test(line)) mode = "NOTICE";
      const number = /第(\d+)号提案《/.exec(line)?.[1];
      if (!number) continue;
      if (line.startsWith("**【交办】")) found.NOTICE.push(number);
      else if (line.startsWith("> ") && (mode === "UNIT" || mode === "ESCALATION")) found[mode].push(number);
      else found.unknown += 1;
    }
  }
  return found;
}

/** Each expected (kind, case) once, and nothing else: "chat-unit-1 UNIT 第123号: 2 times" for what is off. */
function compare(chat: string, kind: string, expected: string[], got: string[]): string[] {
  const count = (list: string[]) => list.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  const want = count(expected);
  const have = count(got);
  const problems: string[] = [];
  for (const n of new Set([...want.keys(), ...have.keys()])) {
    if ((want.get(n) ?? 0) !== (have.get(n) ?? 0)) {
      problems.push(`${chat} ${kind} 第${n}号: expected ${want.get(n) ?? 0}, delivered ${have.get(n) ?? 0}`);
    }
  }
  return problems;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const restarts = options.restarts ?? 2;
  const userCount = options.users ?? 6;
  const thinkMs = options.thinkMs ?? 300;
  const waveMs = options.waveMs ?? 10_000;
  const progress = options.progress ?? (() => {});
  const gc = forcedGc();
  const clock = businessClock();
  const today = () => localTime(new Date(clock.now()), TZ).date;

  const warnings: LogEntry[] = [];
  const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  // BullMQ's Queue prints its connection errors with console.error when nobody listens: catch those too.
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    const text = args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
    warnings.push({ level: 50, time: Date.now(), msg: `${CONSOLE_PREFIX}${text}` });
  };

  const database = await createTestDatabase();
  const redisServer = privateRedis(await freePort());
  await redisServer.start();
  const cleanups: Array<() => Promise<unknown>> = [() => database.drop(), () => redisServer.kill("crash")];
  try {
    // Before anything of ours (or the test database's pool) opens a socket.
    const handlesBefore = handles();
    const world = await seedWorld(database.db, UNITS);
    const keyOf = new Map<string, string>([
      ["chat-office", "k-office"],
      ...world.units.map((u, i) => [u.chatId, `k-${i + 1}`] as const),
    ]);
    const wecom = await startFakeWecomHttp({ keys: [...keyOf.values()] });
    const fakeLink = await startFakeLongConnection({ botId: "soak-bot", secret: `soak-${randomUUID()}` });
    const closeFakes = once(() => Promise.all([wecom.close(), fakeLink.close()]));
    cleanups.unshift(closeFakes);

    // The bot's side: its own connections, as in production (app/main.ts).
    const db: Db = createDb(database.url, { poolSize: 10 });
    const limiterRedis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    limiterRedis.on("error", (err) => log.warn({ err }, "Redis 连接出错"));
    const push = createWebhookChannel({
      webhookFor: async (chatId) => {
        const key = chatId ? keyOf.get(chatId) : undefined;
        return key ? wecom.webhookUrl(key) : undefined;
      },
      limiter: createSlidingWindow({
        redis: limiterRedis,
        prefix: "casebot",
        limit: WEBHOOK_LIMIT,
        windowMs: WEBHOOK_WINDOW_MS,
      }),
      onRobotRemoved: () => {},
      log,
    });
    const jobs = await startJobs({
      db,
      redisUrl: redisServer.url,
      push,
      clock,
      notify: { timeZone: TZ, hours: "always", workdaysOnly: false },
      log,
      tickEveryMs: 500,
      watchdogMs: 500,
    });

    const answers = new Map<string, string>();
    const inner = createPipeline({
      db,
      answer: (message) => answerMessage(db, message, { today }),
      onError: (err, message) => log.error({ err, msgid: message.msgid }, "answering a message failed"),
    });
    const pipeline: Pipeline = {
      async receive(message: IncomingMessage) {
        const answer = await inner.receive(message);
        if (answer !== null) answers.set(message.msgid, answer);
        return answer;
      },
    };
    const waiting = new Map<string, (event: HandledMessage) => void>();
    const link = await startLongConnection({
      botId: fakeLink.botId,
      secret: fakeLink.secret,
      wsUrl: fakeLink.url,
      pipeline,
      log,
      onHandled: (event) => waiting.get(event.reqId)?.(event),
    });
    let stoppedAt = Number.POSITIVE_INFINITY;
    const stopBot = once(async () => {
      stoppedAt = Date.now();
      await link.stop();
      await jobs.stop();
      await limiterRedis.quit().catch(() => limiterRedis.disconnect());
      await db.$disconnect();
    });
    cleanups.unshift(stopBot);

    // The load: new work in waves, people asking, Redis killed now and then.
    const numbers: string[] = [];
    let caseNumber = 1000;
    let waves = 0;
    let followUps = 0;
    const day = (d: string) => new Date(`${d}T00:00:00Z`);
    async function wave() {
      const k = waves++;
      const now = new Date(clock.now());
      await database.db.$transaction(async (tx) => {
        // Half the units per wave, so no group gets more than a few pushes a minute (WeCom allows 20).
        for (const [u, unit] of world.units.entries()) {
          if ((u + k) % 2 !== 0) continue;
          const kinds: Array<"due" | "overdue" | "followUp"> = [
            "due",
            "followUp",
            ...(k % 3 === 0 ? ["overdue" as const] : []),
          ];
          for (const kind of kinds) {
            const number = String(++caseNumber);
            const c = await tx.case.create({
              data: {
                kind: "PROPOSAL",
                sessionId: world.sessionId,
                number,
                title: `关于浸泡测试事项${number}的提案`,
                assignedOn: day("2026-04-01"),
              },
            });
            const replied = kind === "followUp";
            const a = await tx.assignment.create({
              data: {
                caseId: c.id,
                unitId: unit.id,
                role: "LEAD",
                state: replied ? "REPLIED" : "PENDING",
                signedAt: replied ? day("2026-04-02") : null,
                repliedOn: replied ? day("2026-04-10") : null,
                replyClass: replied ? "B" : null,
                signDeadline: day(kind === "overdue" ? "2026-04-07" : "2026-04-13"),
                adjustDeadline: day("2026-04-08"),
                replyDeadline: day("2026-07-01"),
              },
            });
            if (replied) {
              await tx.followUp.create({ data: { assignmentId: a.id, dueOn: day("2026-04-13") } });
              followUps += 1;
            } else {
              await enqueueNotice(tx, {
                kind: "ASSIGNED",
                dedupeKey: `assigned:${a.id}`,
                assignmentId: a.id,
                unitId: unit.id,
                payload: {},
                availableAt: now,
              });
            }
            numbers.push(number);
          }
        }
      });
    }

    const restartWindows: Array<{ from: number; to: number }> = [];
    let redisClientsBefore = 0;
    async function clientCount() {
      const probe = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
      try {
        const info = await probe.info("clients");
        return Number(/connected_clients:(\d+)/.exec(info)?.[1] ?? 0) - 1; // less the probe itself
      } finally {
        probe.disconnect();
      }
    }
    async function restartRedis() {
      if (restartWindows.length === 0) redisClientsBefore = await clientCount();
      const window = { from: Date.now(), to: Number.POSITIVE_INFINITY };
      restartWindows.push(window);
      await redisServer.kill(restartWindows.length % 2 ? "shutdown" : "crash");
      await sleep(1500);
      await redisServer.start();
      window.to = Date.now() + RESTART_GRACE_MS;
      progress(`soak: redis restarted (${restartWindows.length}/${restarts})`);
    }

    // Many people, each well under the pipeline's per-person limit (20 a minute): the commands come round-robin.
    const people: Array<{ userid: string; chatid?: string; leads: boolean }> = [
      { userid: "admin1", chatid: "chat-office", leads: true },
      ...world.units.map((u) => ({ userid: u.leader, chatid: u.chatId, leads: true })),
      ...world.units.map((u) => ({ userid: u.liaison, leads: false })),
    ];
    for (const [u, unit] of world.units.entries()) {
      for (let j = 1; j <= HANDLERS_PER_UNIT; j++) {
        const userid = `handler${u + 1}-${j}`;
        await database.db.person.create({
          data: { name: `承办人${u + 1}-${j}`, userid, role: "handler", unitId: unit.id },
        });
        people.push({ userid, leads: false });
      }
    }
    let commandsSent = 0;
    let commandsAnswered = 0;
    let commandsLost = 0;
    const badAnswers: string[] = [];
    async function user(until: number) {
      while (Date.now() < until) {
        const turn = commandsSent++;
        const who = people[turn % people.length] ?? { userid: "admin1", leads: true };
        const asked = numbers[Math.floor(Math.random() * numbers.length)];
        const commands = ["我的", "逾期", ...(asked ? [`查 ${asked}`] : []), ...(who.leads ? ["进度"] : [])];
        const text = commands[Math.floor(turn / people.length) % commands.length] ?? "逾期";
        const msgid = `soak-${randomUUID()}`;
        const event = await new Promise<HandledMessage | null>((resolve) => {
          const timer = setTimeout(() => resolve(null), 15_000);
          const reqId = fakeLink.sendText({ userid: who.userid, chatid: who.chatid, text: `@督办助手 ${text}`, msgid });
          waiting.set(reqId, (handled) => {
            clearTimeout(timer);
            waiting.delete(reqId);
            resolve(handled);
          });
        });
        const answer = answers.get(msgid);
        answers.delete(msgid);
        if (event?.outcome === "answered" && event.delivered) commandsAnswered += 1;
        else commandsLost += 1;
        const wrong =
          answer === undefined ||
          answer === FAILURE_ANSWER ||
          answer.includes("您还不是督办助手的成员") ||
          (text.startsWith("查") && !answer.includes(`第${text.slice(2)}号`));
        if (wrong && badAnswers.length < 5)
          badAnswers.push(`${who.userid}: ${text} → ${answer ?? "(none)"}`.slice(0, 300));
        // The fake keeps every frame (nothing here reads them): drop them, or they would count as the bot's growth.
        fakeLink.frames.length = 0;
        fakeLink.replies.length = 0;
        await sleep(thinkMs);
      }
    }

    const heapSamples: number[] = [];
    const sampleHeap = () => {
      gc();
      heapSamples.push(heapWithoutCode() / 2 ** 20);
    };

    const started = Date.now();
    const until = started + options.seconds * 1000;
    const warmUntil = started + Math.min(5000, (options.seconds * 1000) / 6);
    await wave();
    const users = Array.from({ length: userCount }, () => user(until));
    const feeder = (async () => {
      while (Date.now() + waveMs < until) {
        await sleep(waveMs);
        await wave();
      }
    })();
    const restarter = (async () => {
      for (let r = 1; r <= restarts; r++) {
        await sleep(Math.max(0, started + (r * options.seconds * 1000) / (restarts + 1) - Date.now()));
        await restartRedis();
      }
    })();
    let handlesWarm: Record<string, number> = {};
    const sampler = (async () => {
      while (Date.now() < warmUntil) await sleep(200);
      sampleHeap();
      handlesWarm = handles();
      let lastProgress = Date.now();
      while (Date.now() < until) {
        await sleep(1000);
        sampleHeap();
        if (Date.now() - lastProgress >= 10_000) {
          lastProgress = Date.now();
          const s = Math.round((Date.now() - started) / 1000);
          progress(
            `soak: ${s} s, ${commandsAnswered} commands, ${wecom.sent("k-1").length} pushes to k-1, heap ${heapSamples.at(-1)?.toFixed(1)} MB`,
          );
        }
      }
    })();
    await Promise.all([...users, feeder, restarter, sampler]);
    const handlesEnd = handles();
    const redisClientsEnd = await clientCount();

    // Drain: everything due must go out, then a few more ticks must send nothing twice.
    const drainStart = Date.now();
    const pendingRows = async () =>
      (await database.db.reminderSlot.count({ where: { status: { not: "SENT" } } })) +
      (await database.db.outbox.count({ where: { status: { not: "SENT" } } }));
    while ((await pendingRows()) > 0 && Date.now() - drainStart < 90_000) await sleep(250);
    const drainMs = Date.now() - drainStart;
    await sleep(2000);

    const deliveryProblems: string[] = [];
    const left = await database.db.reminderSlot.groupBy({
      by: ["status"],
      _count: true,
      where: { status: { not: "SENT" } },
    });
    for (const row of left) deliveryProblems.push(`${row._count} reminder slots ${row.status} at the end`);
    const leftRows = await database.db.outbox.groupBy({
      by: ["status", "kind"],
      _count: true,
      where: { status: { not: "SENT" } },
    });
    for (const row of leftRows) deliveryProblems.push(`${row._count} outbox ${row.kind} rows ${row.status} at the end`);
    const slots = await database.db.reminderSlot.findMany({ include: { assignment: { include: { case: true } } } });
    const rows = await database.db.outbox.findMany({ include: { assignment: { include: { case: true } } } });
    const chatOfUnit = new Map(world.units.map((u) => [u.id, u.chatId]));
    for (const [chat, key] of keyOf) {
      const got = deliveredLines(
        wecom.sent(key).map((r) => (r.body as { markdown: { content: string } }).markdown.content),
      );
      const ofChat = slots.filter((s) => s.chatKey === chat);
      const slotNumbers = (audience: string) =>
        ofChat.filter((s) => s.audience === audience).map((s) => s.assignment.case.number);
      const noticeRows = rows.filter((r) => r.kind === "ASSIGNED" && chatOfUnit.get(r.unitId ?? 0) === chat);
      deliveryProblems.push(
        ...compare(chat, "UNIT", slotNumbers("UNIT"), got.UNIT),
        ...compare(chat, "ESCALATION", slotNumbers("ESCALATION"), got.ESCALATION),
        ...compare(
          chat,
          "交办",
          noticeRows.map((r) => r.assignment?.case.number ?? "?"),
          got.NOTICE,
        ),
      );
      const weekly = chat === "chat-office" ? rows.filter((r) => r.kind === "DIGEST").length : 0;
      if (got.weekly !== weekly) deliveryProblems.push(`${chat} 每周进度: expected ${weekly}, delivered ${got.weekly}`);
      if (got.unknown) deliveryProblems.push(`${chat}: ${got.unknown} case lines outside any known message`);
    }

    // Everything of ours stopped (the private redis-server aside, which was there before): back to the start.
    await stopBot();
    await Promise.all([closeFakes(), database.db.$disconnect()]);
    await sleep(500); // closed sockets leave the handle list on a later turn
    const handlesAfterStop = handles();

    const third = Math.max(1, Math.floor(heapSamples.length / 3));
    const recoveries = warnings.filter((w) => w.msg.startsWith(RECOVERY_PREFIX)).length;
    const inRestart = (w: LogEntry) => restartWindows.some((r) => w.time >= r.from && w.time <= r.to);
    const explained = (w: LogEntry) =>
      (w.msg.startsWith(RECOVERY_PREFIX) && restartWindows.length > 0) ||
      ((RESTART_MESSAGES.has(w.msg) || w.msg.startsWith(CONSOLE_PREFIX)) && inRestart(w)) ||
      (w.msg.startsWith(STOP_MESSAGE) && w.time >= stoppedAt);
    return {
      seconds: options.seconds,
      commandsSent,
      commandsAnswered,
      badAnswers,
      commandsLost,
      pushes: [...keyOf.values()].reduce((sum, key) => sum + wecom.sent(key).length, 0),
      pushesRejected: wecom.rejected().length,
      outboxRows: rows.length,
      reminderSlots: slots.length,
      followUps,
      restarts: restartWindows.length,
      recoveries,
      deliveryProblems,
      drainMs,
      heapSamplesMb: heapSamples.map((h) => Math.round(h * 10) / 10),
      heapFirstThirdMb: median(heapSamples.slice(0, third)),
      heapLastThirdMb: median(heapSamples.slice(-third)),
      handlesBefore,
      handlesWarm,
      handlesEnd,
      handlesAfterStop,
      redisClientsBefore,
      redisClientsEnd,
      warnings,
      consoleErrors: warnings.filter((w) => w.msg.startsWith(CONSOLE_PREFIX)).length,
      unexpected: warnings.filter((w) => !explained(w)),
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    console.error = consoleError;
  }
}
