// Fuzz: thousands of malformed 智能机器人 callback frames from the fake WeCom WebSocket server into the real long
// connection (official SDK + bot/long-connection.ts) and the real pipeline on a real database: missing and mistyped
// fields, non-JSON, huge texts, odd msgtypes, replayed msgids. The process must survive and stay connected, each frame
// must be dealt with as the protocol says (answered, the text-only hint, said nothing for a duplicate, or ignored when
// nothing can be answered), every reply must be one WeCom accepts, and nothing in the record may change.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HandledMessage, startLongConnection } from "../../bot/long-connection.ts";
import { isWecomId } from "../../bot/message.ts";
import { createPipeline, FAILURE_ANSWER } from "../../bot/pipeline.ts";
import { answerMessage } from "../../commands/index.ts";
import { addCase, buildUpdateFixture, TODAY } from "../commands/update-fixture.ts";
import { startFakeLongConnection } from "../fake-wecom/ws-server.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { injectionProblems, nastyText, type Random, seededRandom } from "./random.ts";
import { changes, fastCommits, recordTables, snapshotter } from "./snapshot.ts";

const FRAMES = 3800;
const BATCH = 100;
const SENDERS = ["zhangwei", "fgw_leader", "city_leader", "stranger"];

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await fastCommits(database);
  const fx = await buildUpdateFixture(database.db);
  await addCase(fx, { number: "205", units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
}, 60_000);
afterAll(async () => {
  await database?.drop();
});

type Json = Record<string, unknown>;
type Outcome = HandledMessage["outcome"] | "dropped";

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Values of the wrong kind, or of the right kind but unusable. */
function wrongValue(r: Random): unknown {
  return r.pick([
    null,
    0,
    -1,
    12.5,
    true,
    [],
    ["text"],
    {},
    { content: 1 },
    "",
    " ",
    "x".repeat(300),
    "\u0000",
    `id\u0007${r.int(0, 1e9)}`,
    nastyText(r, 30),
  ]);
}

const PATHS = [
  "cmd",
  "headers",
  "headers.req_id",
  "body",
  "body.msgid",
  "body.msgtype",
  "body.chattype",
  "body.chatid",
  "body.from",
  "body.from.userid",
  "body.text",
  "body.text.content",
] as const;

function setPath(frame: Json, path: string, value: unknown, remove: boolean): void {
  const keys = path.split(".");
  let at: unknown = frame;
  for (const key of keys.slice(0, -1)) at = isObject(at) ? at[key] : undefined;
  if (!isObject(at)) return;
  const last = keys.at(-1) as string;
  if (remove) delete at[last];
  else at[last] = value;
}

function mixedItems(r: Random): unknown {
  return r.pick<unknown>([
    [
      { msgtype: "text", text: { content: "帮助" } },
      { msgtype: "image", image: { url: "u" } },
    ],
    [{ msgtype: "image", image: { url: "u" } }],
    [null, { msgtype: "text", text: { content: 5 } }],
    [null, { msgtype: "text" }, { msgtype: "text", text: { content: "查 205" } }],
    "not a list",
    { msgtype: "text" },
    [],
    null,
  ]);
}

/** What the protocol says should happen to a frame (written from wecom.md and the SDK's documented behaviour). */
function expected(data: unknown, taken: Set<string>): Outcome {
  if (!isObject(data) || data.cmd !== "aibot_msg_callback") return "dropped";
  const body = data.body;
  if (!body || !(body as Json).msgtype) return "dropped"; // the SDK passes on only callbacks with a msgtype
  const headers = data.headers;
  const reqId = isObject(headers) ? headers.req_id : undefined;
  if (!isWecomId(reqId) || !isObject(body)) return "invalid";
  const from = body.from;
  if (!isWecomId(body.msgid) || !isObject(from) || !isWecomId(from.userid)) return "invalid";
  if (body.chattype === "group" && !isWecomId(body.chatid)) return "invalid";
  let isText = false;
  if (body.msgtype === "text") isText = isObject(body.text) && typeof body.text.content === "string";
  if (body.msgtype === "mixed") {
    const items = isObject(body.mixed) ? body.mixed.msg_item : undefined;
    isText =
      Array.isArray(items) &&
      items.some(
        (item) =>
          isObject(item) && item.msgtype === "text" && isObject(item.text) && typeof item.text.content === "string",
      );
  }
  if (!isText) return "not-text";
  if (taken.has(body.msgid)) return "duplicate";
  taken.add(body.msgid);
  return "answered";
}

function frame(r: Random, i: number, earlierMsgids: string[]): unknown {
  if (r.chance(0.05))
    return r.pick([
      "not json",
      "{",
      '{"cmd":"aibot_msg_callback"',
      "null",
      "[]",
      "42",
      '"text"',
      "",
      nastyText(r, 100),
      JSON.stringify({ headers: { req_id: `ack-${i}` }, errcode: 0, errmsg: "ok" }),
      JSON.stringify({ cmd: "aibot_event_callback", headers: { req_id: `ev-${i}` }, body: { msgtype: "event" } }),
    ]);
  const group = r.chance(0.5);
  const body: Json = {
    msgid: r.chance(0.05) && earlierMsgids.length ? r.pick(earlierMsgids) : `fz-${r.seed}-${i}`,
    aibotid: "bot-1",
    ...(group
      ? { chatid: r.pick(["chat-fgw", "chat-office", "chat-unknown"]), chattype: "group" }
      : { chattype: "single" }),
    from: { userid: r.pick(SENDERS) },
    create_time: Math.floor(Date.now() / 1000),
    msgtype: "text",
    text: {
      content: r.chance(0.01) ? `查 ${r.string(100_000, "2059号 ")}` : r.pick(["帮助", "查 205", nastyText(r, 80)]),
    },
  };
  const data: Json = { cmd: "aibot_msg_callback", headers: { req_id: `req-${r.seed}-${i}` }, body };
  const mutations = r.int(0, 3);
  for (let m = 0; m < mutations; m++) {
    switch (r.int(0, 4)) {
      case 0:
        setPath(data, r.pick(PATHS), undefined, true);
        break;
      case 1:
      case 2:
        setPath(data, r.pick(PATHS), wrongValue(r), false);
        break;
      case 3:
        body.msgtype = r.pick(["mixed", "image", "voice", "file", "event", "stream", "", "TEXT", nastyText(r, 10)]);
        if (body.msgtype === "mixed") body.mixed = { msg_item: mixedItems(r) };
        break;
      default:
        data.cmd = r.pick(["aibot_event_callback", "aibot_respond_msg", "ping", "", "AIBOT_MSG_CALLBACK"]);
    }
  }
  return data;
}

async function until(probe: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("fuzz: malformed long-connection frames", () => {
  it(`deals with ${FRAMES} malformed frames as the protocol says and stays connected`, async () => {
    const r = seededRandom("ws frames");
    const db = database.db;
    const server = await startFakeLongConnection({ botId: "bot-1", secret: `fuzz-${r.seed}` });
    const errors: unknown[] = [];
    const pipeline = createPipeline({
      db,
      answer: (m) => answerMessage(db, m, { today: () => TODAY }),
      onError: (error) => errors.push(error),
      rateLimit: false, // flood control has its own test
    });
    const handled: HandledMessage[] = [];
    const connection = await startLongConnection({
      botId: server.botId,
      secret: server.secret,
      wsUrl: server.url,
      pipeline,
      log: pino({ level: "silent" }),
      backoff: { baseMs: 50, maxMs: 200 },
      onHandled: (event) => handled.push(event),
    });
    const take = snapshotter(db, await recordTables(db));
    const before = await take();
    try {
      expect(connection.isConnected()).toBe(true);
      const want = new Map<Outcome, number>();
      const taken = new Set<string>();
      const earlier: string[] = [];
      for (let start = 0; start < FRAMES; start += BATCH) {
        let toHandle = handled.length;
        const sent: string[] = [];
        for (let i = start; i < Math.min(start + BATCH, FRAMES); i++) {
          const data = frame(r, i, earlier);
          const parsed = typeof data === "string" ? safeParse(data) : data;
          const outcome = expected(parsed, taken);
          want.set(outcome, (want.get(outcome) ?? 0) + 1);
          if (outcome !== "dropped") toHandle++;
          const msgid = isObject(parsed) && isObject(parsed.body) ? parsed.body.msgid : undefined;
          if (typeof msgid === "string") sent.push(msgid);
          server.sendRaw(data);
        }
        // Batches keep the database's queue short; a msgid is replayed only in a later batch, so order is certain.
        await until(() => handled.length >= toHandle, `the frames from #${start}`);
        earlier.push(...sent);
      }
      const got = new Map<Outcome, number>([["dropped", FRAMES - handled.length]]);
      for (const e of handled) got.set(e.outcome, (got.get(e.outcome) ?? 0) + 1);
      console.log(`[fuzz] ws frames: ${FRAMES} frames sent; outcomes ${JSON.stringify(Object.fromEntries(got))}`);
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
      // Every answer and hint went out, and the strict fake accepted every reply.
      expect(handled.filter((e) => (e.outcome === "answered" || e.outcome === "not-text") && !e.delivered)).toEqual([]);
      expect(server.rejections).toEqual([]);
      expect(errors).toEqual([]);
      const answers = server.replies.map((reply) => reply.content);
      expect(answers.filter((a) => a === FAILURE_ANSWER)).toEqual([]);
      expect(answers.flatMap(injectionProblems)).toEqual([]);
      // Survived: still the first connection, and a plain message is still answered.
      expect(connection.isConnected()).toBe(true);
      expect(server.connections).toHaveLength(1);
      const reqId = server.sendText({ userid: "zhangwei", text: "帮助" });
      expect((await server.waitForReply(reqId, 20_000)).content).toContain("督办助手可用命令");
      expect(changes(before, await take()).tables).toEqual([]);
    } finally {
      await connection.stop();
      await server.close();
    }
  }, 120_000);
});

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
