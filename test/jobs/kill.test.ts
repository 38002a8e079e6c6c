// Kill -9 a complete scheduler process in the middle of a push, 10 times over a run of 2,000 reminder slots: after
// each kill a new process takes over (leases expire, the tick re-enqueues from PostgreSQL), and every slot is
// delivered exactly once. Each kill lands while a request hangs unanswered at the fake WeCom, i.e. mid-send.
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeWecomHttp, startFakeWecomHttp } from "../fake-wecom/http-server.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { day, shanghai } from "./fixture.ts";

const GROUPS = 20;
const SLOTS = 2000;
const KILLS = 10;

let database: TestDatabase;
let redis: TestRedis;
let wecom: FakeWecomHttp;
let child: ChildProcess | undefined;
const chats = Array.from({ length: GROUPS }, (_, i) => `kill-chat-${i + 1}`);

beforeAll(async () => {
  [database, redis, wecom] = await Promise.all([
    createTestDatabase(),
    createTestRedis(),
    startFakeWecomHttp({ keys: [...chats, "office"] }),
  ]);
  const { db } = database;
  const session = await db.session.create({ data: { name: "县十八届人大一次会议", body: "CONGRESS", year: 2026 } });
  const units = await db.unit.createManyAndReturn({ data: chats.map((_, i) => ({ name: `单位${i + 1}` })) });
  await db.groupChat.createMany({ data: units.map((u, i) => ({ chatId: chats[i] ?? "", unitId: u.id })) });
  const cases = await db.case.createManyAndReturn({
    data: Array.from({ length: SLOTS }, (_, i) => ({
      kind: "SUGGESTION" as const,
      sessionId: session.id,
      number: String(1000 + i),
      title: `关于第${i}项工作的建议`,
      assignedOn: day("2026-04-08"),
    })),
  });
  await db.assignment.createMany({
    data: cases.map((c, i) => ({
      caseId: c.id,
      unitId: units[i % GROUPS]?.id ?? 0,
      role: "LEAD" as const,
      signDeadline: day("2026-04-13"),
      adjustDeadline: day("2026-04-15"),
      replyDeadline: day("2026-07-08"),
    })),
  });
}, 120_000);
afterAll(async () => {
  child?.kill("SIGKILL");
  await Promise.all([database?.drop(), redis?.cleanup(), wecom?.close()]);
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startProcess(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", "test/jobs/worker-process.ts"], {
    env: {
      ...process.env,
      TEST_DB_URL: database.url,
      TEST_REDIS_URL: redis.url,
      TEST_PREFIX: redis.prefix,
      TEST_WECOM_URL: wecom.url,
      TEST_BUSINESS_START: String(shanghai("2026-04-13 10:00").getTime()),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return proc;
}

const accepted = () => chats.reduce((n, key) => n + wecom.sent(key).length, 0);
const hung = () => wecom.requests().filter((r) => r.answer === "hung").length;

describe("a scheduler process killed mid-send", () => {
  it(`delivers all ${SLOTS} slots exactly once across ${KILLS} kills`, async () => {
    for (let kill = 1; kill <= KILLS; kill++) {
      child = await startProcess();
      const before = accepted();
      await waitFor(() => accepted() >= before + 2); // let it make progress first
      wecom.failNext(1, "hang");
      await waitFor(() => hung() === kill);
      const exited = new Promise((r) => child?.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    child = await startProcess();
    await waitFor(async () => (await database.db.reminderSlot.count({ where: { status: "SENT" } })) === SLOTS);

    const lines = chats.flatMap((key) =>
      wecom
        .sent(key)
        .flatMap((r) => (r.body as { markdown: { content: string } }).markdown.content.split("\n"))
        .filter((l) => l.startsWith("> ")),
    );
    const numbers = lines.map((l) => /第(\d+)号建议/.exec(l)?.[1]);
    expect(numbers).toHaveLength(SLOTS);
    expect(new Set(numbers).size).toBe(SLOTS);
    expect(hung()).toBe(KILLS);

    const exited = new Promise((r) => child?.once("exit", r));
    child.kill("SIGTERM"); // graceful stop
    expect(await exited).toBe(0);
    child = undefined;
  }, 180_000);
});
