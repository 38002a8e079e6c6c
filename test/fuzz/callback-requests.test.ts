// Fuzz: thousands of malformed callback-mode requests over HTTP to the real /wecom/callback route, the real pipeline
// and a real database, played by the encrypting client of the fake WeCom: forged and missing signatures, stale and
// future timestamps, bad base64, wrong padding, length field and ReceiveId, bodies that are not JSON or too large,
// ciphertexts that open to the wrong shape, and well-formed messages with hostile text. Each must get the status the
// protocol calls for — a 4xx, or 200 with a reply that opens and verifies — never a 5xx; nothing in the record changes.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttp } from "../../app/http.ts";
import { CALLBACK_PATH, callbackRoutes, ONLY_TEXT_ANSWER } from "../../bot/callback.ts";
import { createPipeline, FAILURE_ANSWER } from "../../bot/pipeline.ts";
import { answerMessage } from "../../commands/index.ts";
import { addCase, buildUpdateFixture, TODAY } from "../commands/update-fixture.ts";
import {
  type CallbackClient,
  callbackClient,
  newAesKey,
  type RawResponse,
  seal,
  textPayload,
} from "../fake-wecom/callback-client.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { injectionProblems, nastyText, type Random, seededRandom } from "./random.ts";
import { changes, fastCommits, recordTables, snapshotter } from "./snapshot.ts";

const REQUESTS = 5000;
const IN_FLIGHT = 16;
const TOKEN = `tok${randomBytes(6).toString("hex")}`;
const AES_KEY = newAesKey();
const MAX_BODY = 64 * 1024;

let database: TestDatabase;
let server: Server;
let baseUrl: string;
let wecom: CallbackClient;
const handlerErrors: unknown[] = [];
const answerErrors: unknown[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await fastCommits(database);
  const fx = await buildUpdateFixture(database.db);
  await addCase(fx, { number: "205", units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
  const db = database.db;
  const pipeline = createPipeline({
    db,
    answer: (m) => answerMessage(db, m, { today: () => TODAY }),
    onError: (error) => answerErrors.push(error),
    rateLimit: false, // flood control has its own test
  });
  const log = { info() {}, warn() {}, error() {} };
  // A long passive wait: on a busy machine an answer may take a while, and there is no response_url here.
  const routes = callbackRoutes({
    token: TOKEN,
    aesKey: AES_KEY,
    pipeline,
    maxBodyBytes: MAX_BODY,
    passiveWaitMs: 30_000,
    log,
  });
  server = await startHttp({
    port: 0,
    host: "127.0.0.1",
    checks: {},
    routes,
    onError: (error) => handlerErrors.push(error),
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  wecom = callbackClient({ baseUrl, token: TOKEN, aesKey: AES_KEY });
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server?.closeAllConnections();
  await database?.drop();
});

/** 200 with a reply that must open: "reply" with this content, "hint" (text-only), or "empty". */
type Expect = number | "reply" | "hint" | "empty";
interface Case {
  family: string;
  send(): Promise<RawResponse>;
  expect: Expect;
}

const now = () => Math.floor(Date.now() / 1000);

/** A decrypted callback body with one field broken. */
function brokenPayload(r: Random): { payload: unknown; expect: Expect } {
  const base = textPayload({ userid: "zhangwei", text: "帮助", chatid: r.chance(0.5) ? "chat-fgw" : undefined });
  const broken: Record<string, unknown> = structuredClone(base);
  switch (r.int(0, 9)) {
    case 0:
      return { payload: r.pick([null, 5, "text", [], [base]]), expect: 400 };
    case 1:
      delete broken.msgtype;
      return { payload: broken, expect: 400 };
    case 2:
      broken.from = r.pick([null, "zhangwei", { userid: 5 }, { userid: "" }, { userid: "zhang wei" }, {}]);
      return { payload: broken, expect: 400 };
    case 3:
      broken.msgid = r.pick([5, "", "a b", "x".repeat(300), "id\u0000"]);
      return { payload: broken, expect: 400 };
    case 4:
      delete broken.msgid;
      return { payload: broken, expect: 400 };
    case 5:
      broken.text = r.pick([null, "帮助", { content: 5 }, {}]);
      return { payload: broken, expect: 400 };
    case 6:
      broken.chattype = "group";
      delete broken.chatid;
      return { payload: broken, expect: 400 };
    case 7:
      broken.chattype = r.pick(["room", "", 1]);
      return { payload: broken, expect: 400 };
    case 8:
      broken.msgtype = r.pick(["image", "voice", "file", "mixed"]);
      delete broken.text;
      return { payload: broken, expect: "hint" };
    default:
      broken.msgtype = r.pick(["event", "stream"]);
      return { payload: broken, expect: "empty" };
  }
}

function makeCase(r: Random): Case {
  const payload = () => textPayload({ userid: r.pick(["zhangwei", "fgw_leader", "stranger"]), text: "帮助" });
  switch (r.int(0, 11)) {
    case 0: {
      const signature = r.pick([
        randomBytes(20).toString("hex"),
        "",
        "0".repeat(40),
        "x".repeat(41),
        nastyText(r, 40),
        randomBytes(20).toString("hex").toUpperCase(),
      ]);
      return {
        family: "forged signature",
        send: () => wecom.sendPayload(payload(), signature ? { signature } : { token: "not-the-token" }),
        expect: 403,
      };
    }
    case 1:
      return { family: "wrong token", send: () => wecom.sendPayload(payload(), { token: `${TOKEN}x` }), expect: 403 };
    case 2: {
      const stale = r.chance(0.5) ? now() - r.int(301, 10_000_000) : now() + r.int(301, 10_000_000);
      return {
        family: "stale or future timestamp",
        send: () => wecom.sendPayload(payload(), { timestamp: stale }),
        expect: 403,
      };
    }
    case 3: {
      const bad = r.pick(["abc", "-5", "1e9", "", " 1", "9999999999999", "0x10", "١٢٣"]);
      const query = new URLSearchParams({ msg_signature: "0".repeat(40), timestamp: bad, nonce: "n" });
      if (r.chance(0.3)) query.delete(r.pick(["msg_signature", "timestamp", "nonce"]));
      return {
        family: "missing or non-numeric URL parameter",
        send: async () => {
          const res = await fetch(`${baseUrl}${CALLBACK_PATH}?${query}`, {
            method: "POST",
            body: '{"encrypt":"AAAA"}',
          });
          return { status: res.status, body: await res.text(), nonce: "n" };
        },
        expect: 400,
      };
    }
    case 4: {
      const value = r.pick([
        "@@not*base64@@",
        "AAAA=",
        "AAA",
        "A".repeat(43),
        `${seal(AES_KEY, "x")}=`,
        seal(AES_KEY, JSON.stringify(payload())).slice(4),
        `${seal(AES_KEY, JSON.stringify(payload()))} `,
        nastyText(r, 40),
        "",
      ]);
      return { family: "bad base64 or block length", send: () => wecom.sendEncrypt(value), expect: 400 };
    }
    case 5: {
      const sealing = r.pick([
        { padByte: r.pick([0, 33, 255]) },
        { lengthDelta: r.pick([-3, 1, 7, 1_000_000]) },
        { receiveId: r.pick(["wwcorpid", "x", "😀"]) },
      ]);
      const text = JSON.stringify(payload());
      return {
        family: "wrong padding, length or ReceiveId",
        send: () => wecom.sendEncrypt(seal(AES_KEY, text, sealing)),
        expect: 400,
      };
    }
    case 6:
      return {
        family: "wrong key",
        send: () => wecom.sendEncrypt(seal(newAesKey(), JSON.stringify(payload()))),
        expect: 400,
      };
    case 7: {
      const body = r.pick([
        "",
        "not json",
        "{",
        "[]",
        "null",
        '{"encrypt":5}',
        '{"encrypt":""}',
        '{"Encrypt":"AAAA"}',
        nastyText(r, 50),
      ]);
      return { family: "body not the envelope", send: () => wecom.sendBody(body), expect: 400 };
    }
    case 8: {
      const size = MAX_BODY + (r.chance(0.05) ? r.int(1, 1_000_000) : r.int(1, 4096));
      return { family: "huge body", send: () => wecom.sendBody(Buffer.alloc(size, "a")), expect: 413 };
    }
    case 9: {
      const { payload: broken, expect } = r.chance(0.2)
        ? { payload: undefined, expect: 400 as Expect }
        : brokenPayload(r);
      const plaintext = broken === undefined ? r.pick(["hello", "{", nastyText(r, 30)]) : JSON.stringify(broken);
      return { family: "opens to the wrong shape", send: () => wecom.sendEncrypt(seal(AES_KEY, plaintext)), expect };
    }
    case 10: {
      const signing = r.pick([{ token: "nope" }, { timestamp: now() - 4000 }, {}]);
      const expectStatus = "token" in signing || "timestamp" in signing ? 403 : 200;
      return {
        family: "URL verification",
        send: async () => {
          const res = await wecom.verifyUrl(signing);
          // The plaintext echo is the whole point: a 200 must carry it.
          return { ...res, body: res.status === 200 && res.body !== res.echo ? `wrong echo ${res.body}` : "" };
        },
        expect: expectStatus === 200 ? "empty" : expectStatus,
      };
    }
    default: {
      const text = r.chance(0.1) ? `查 ${r.string(20_000, "205号第 ")}` : nastyText(r, 100);
      const input = textPayload({
        userid: r.pick(["zhangwei", "fgw_liaison", "city_leader", "stranger"]),
        chatid: r.chance(0.5) ? r.pick(["chat-fgw", "chat-office", "chat-unknown"]) : undefined,
        text,
      });
      // Over the body limit once encrypted: refused, not answered.
      const tooBig = Buffer.byteLength(JSON.stringify({ encrypt: seal(AES_KEY, JSON.stringify(input)) })) > MAX_BODY;
      return { family: "hostile text", send: () => wecom.sendPayload(input), expect: tooBig ? 413 : "reply" };
    }
  }
}

async function check(c: Case): Promise<string | null> {
  let res: RawResponse;
  try {
    res = await c.send();
  } catch (error) {
    return `${c.family}: no HTTP answer (${String(error)})`;
  }
  if (typeof c.expect === "number")
    return res.status === c.expect ? null : `${c.family}: HTTP ${res.status} (${res.body}), expected ${c.expect}`;
  if (res.status !== 200) return `${c.family}: HTTP ${res.status} (${res.body}), expected 200`;
  if (c.family === "URL verification") return res.body === "" ? null : `${c.family}: ${res.body}`;
  let reply: unknown;
  try {
    reply = wecom.openReply(res);
  } catch (error) {
    return `${c.family}: reply does not open (${String(error)})`;
  }
  if (c.expect === "empty") return reply === null ? null : `${c.family}: expected an empty reply`;
  const content = (reply as { stream?: { content?: string } } | null)?.stream?.content;
  if (typeof content !== "string" || content === "") return `${c.family}: no answer in the reply`;
  if (c.expect === "hint") return content === ONLY_TEXT_ANSWER ? null : `${c.family}: not the text-only hint`;
  if (content === FAILURE_ANSWER) return `${c.family}: the failure apology (${String(answerErrors.at(-1))})`;
  const problems = injectionProblems(content);
  return problems.length ? `${c.family}: ${problems.join("; ")}` : null;
}

describe("fuzz: malformed callback-mode requests", () => {
  it(`answers ${REQUESTS} malformed requests with the right 4xx or a verifiable reply, never a 5xx`, async () => {
    const r = seededRandom("callback requests");
    const take = snapshotter(database.db, await recordTables(database.db));
    const before = await take();
    const failures: string[] = [];
    const families = new Map<string, number>();
    for (let start = 0; start < REQUESTS && failures.length < 5; start += IN_FLIGHT) {
      const batch = Array.from({ length: Math.min(IN_FLIGHT, REQUESTS - start) }, () => makeCase(r));
      for (const c of batch) families.set(c.family, (families.get(c.family) ?? 0) + 1);
      for (const failure of await Promise.all(batch.map(check))) if (failure) failures.push(failure);
    }
    console.log(`[fuzz] callback requests: ${REQUESTS} requests; ${JSON.stringify(Object.fromEntries(families))}`);
    expect(failures).toEqual([]);
    expect(handlerErrors).toEqual([]);
    expect(changes(before, await take()).tables).toEqual([]);
    // Still serving: a genuine message is answered.
    expect(await wecom.sendText({ userid: "zhangwei", text: "帮助" })).toMatchObject({
      stream: { content: expect.stringContaining("督办助手可用命令") },
    });
  }, 120_000);
});
