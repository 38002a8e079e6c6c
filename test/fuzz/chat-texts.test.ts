// Fuzz: thousands of generated chat texts through the real pipeline and commands on a real database — control
// characters, emoji, half emoji, 10,000-character arguments, SQL and Markdown injection, mentions of other people,
// from members of every role, strangers and a deactivated member, in single chats and groups. Every message must get
// a clear answer (never the failure apology), no answer may carry a mention or live Markdown from what was typed, and
// the record may change only through an update command by someone allowed to make it, on their own unit's work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPipeline, FAILURE_ANSWER } from "../../bot/pipeline.ts";
import { mayUpdate } from "../../commands/access.ts";
import { answerMessage, findCommand, mayUse } from "../../commands/index.ts";
import { splitCommand } from "../../commands/text.ts";
import { addCase, buildUpdateFixture, TODAY, type UpdateFixture } from "../commands/update-fixture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { injectionProblems, MARK, NASTY, nastyText, type Random, seededRandom } from "./random.ts";
import { changes, fastCommits, recordTables, snapshotter } from "./snapshot.ts";

const MESSAGES = 1200;
const UPDATE_COMMANDS = new Set([
  "签收",
  "沟通",
  "意见",
  "答复",
  "反馈",
  "公开",
  "延期",
  "调整",
  "批准",
  "驳回",
  "成员",
  "绑定",
]);
const WORDS = [
  "帮助",
  "查",
  "我的",
  "单位",
  "临期",
  "逾期",
  "进度",
  "统计",
  "总结",
  "help",
  "status",
  "due",
  ...UPDATE_COMMANDS,
  "帮主",
  "查查",
  "",
];
const STAFF = [
  "zhangwei",
  "city_leader",
  "fgw_leader",
  "fgw_liaison",
  "fgw_handler",
  "edu_leader",
  "edu_liaison",
  "edu_handler",
  "housing_leader",
  "housing_liaison",
  "housing_handler",
];
/** Not active members; all are shaped like WeCom userids (the transports refuse anything else before the pipeline). */
const OUTSIDERS = ["stranger", "retired", "Zhangwei", "zhangwei.", "<@zhangwei>", "';DROP_TABLE_Person;--"];
const CHATS = [null, null, "chat-fgw", "chat-edu", "chat-office", "chat-unknown"];
const ARG_WORDS = [
  "面商",
  "电话",
  "座谈",
  "走访",
  "书面",
  "办前",
  "办中",
  "办后",
  "满意",
  "基本满意",
  "不满意",
  "A",
  "B",
  "C",
  "A类",
  "8月31日",
  "2024-12-31",
  "2024-02-30",
  "改由市住建局",
  "改由督查室",
  "市发改委",
  "教育局",
  "督查室",
  "王芳",
  "李强",
  "添加",
  "角色",
  "绑定",
  "联络员",
  "承办人",
  "管理员",
  "1",
  "2",
  "0",
  "-1",
  "99999999999999999999",
  "1e9",
  "NaN",
];

const UNIT_KEYS = ["fgw", "edu", "housing"] as const;

let database: TestDatabase;
let fx: UpdateFixture;
const numbers: string[] = [];
/** Case number → the units assigned to it. */
const unitsOf = new Map<string, string[]>();

beforeAll(async () => {
  database = await createTestDatabase();
  await fastCommits(database);
  fx = await buildUpdateFixture(database.db);
  await database.db.person.create({ data: { userid: "retired", name: "退休", role: "admin", active: false } });
  const stages = ["PENDING", "IN_PROGRESS", "REPLIED"] as const;
  for (let i = 0; i < 9; i++) {
    const c = await addCase(fx, {
      disclosure: i % 4 === 3 ? "NOT_PUBLIC" : "PUBLIC",
      units: [
        { unit: UNIT_KEYS[i % 3] ?? "fgw", role: "LEAD", stage: stages[i % 3] },
        { unit: UNIT_KEYS[(i + 1) % 3] ?? "edu", role: "JOINT", stage: stages[(i + 1) % 3] },
      ],
    });
    numbers.push(c.number);
    unitsOf.set(c.number, [UNIT_KEYS[i % 3] ?? "fgw", UNIT_KEYS[(i + 1) % 3] ?? "edu"]);
  }
}, 60_000);
afterAll(async () => {
  await database?.drop();
});

function caseRef(r: Random): string {
  const n = r.pick(numbers);
  return r.pick([n, `第${n}号`, `提案${n}`, `${n}号提案`, `０${n}`, String(r.int(0, 99999)), nastyText(r, 10)]);
}

function argument(r: Random): string {
  switch (r.int(0, 5)) {
    case 0:
      return caseRef(r);
    case 1:
      return r.pick(ARG_WORDS);
    case 2:
      return r.pick(NASTY.markdown);
    case 3:
      return nastyText(r, 20);
    case 4:
      return r.chance(0.1) ? r.string(10_000, "9号第查<@>*`#\n 😀") : r.pick(NASTY.sql);
    default:
      return `<@${r.pick(STAFF)}> ${MARK}`;
  }
}

/** A well-formed update by someone of an assigned unit (or the office), with hostile free text in it. */
function allowedUpdate(r: Random): { userid: string; text: string } {
  const n = r.pick(numbers);
  const unit = r.pick(unitsOf.get(n) ?? ["fgw"]);
  const userid = r.pick([`${unit}_liaison`, `${unit}_handler`, "zhangwei"]);
  const note = `${r.pick(NASTY.markdown)} ${nastyText(r, 20)}`;
  const text = r.pick([
    `签收 ${n}`,
    `沟通 ${n} ${r.pick(["电话", "面商", "走访"])} ${r.pick(["办前", "办中"])} ${note}`,
    `调整 ${n} ${note}`,
    `延期 ${n} 2024-08-31 ${note}`,
    `答复 ${n} ${r.pick(["A", "B", "C"])} ${note}`,
    `反馈 ${n} ${r.pick(["满意", "不满意"])} ${note}`,
    `意见 ${n}`,
    `公开 ${n}`,
  ]);
  return { userid, text };
}

function chatText(r: Random): string {
  if (r.chance(0.1)) return nastyText(r, 200);
  if (r.chance(0.03)) return `${r.pick(WORDS)} ${r.string(10_000, "0123456789号第、 ")}`;
  const prefix = r.pick(["", "", "@督办助手 ", "/", "／", "@督办助手 @张伟 ", " \n"]);
  const args = Array.from({ length: r.int(0, 4) }, () => argument(r));
  return `${prefix}${r.pick(WORDS)} ${args.join(r.pick([" ", "　", "\t"]))}`;
}

describe("fuzz: chat texts through the pipeline and commands", () => {
  it(`answers ${MESSAGES} hostile texts clearly, inertly, and changes only what an allowed update may`, async () => {
    const r = seededRandom("chat texts");
    const db = database.db;
    const errors: unknown[] = [];
    // Flood control is tested on its own (test/bot/flood.test.ts); here every message must reach the commands.
    const pipeline = createPipeline({
      db,
      answer: (m) => answerMessage(db, m, { today: () => TODAY }),
      onError: (error) => errors.push(error),
      rateLimit: false,
    });
    const take = snapshotter(db, await recordTables(db));
    const loadMembers = async () =>
      new Map(
        (await db.person.findMany({ where: { active: true }, include: { unit: true } })).map((p) => [p.userid, p]),
      );
    let members = await loadMembers();
    const failures: string[] = [];
    let before = await take();
    let changed = 0;
    for (let i = 0; i < MESSAGES && failures.length < 5; i++) {
      const update = r.chance(0.15) ? allowedUpdate(r) : null;
      const userid = update?.userid ?? (r.chance(0.85) ? r.pick(STAFF) : r.pick(OUTSIDERS));
      const chatId = r.pick(CHATS);
      const text = update?.text ?? chatText(r);
      const input = `#${i} ${userid} in ${chatId ?? "single chat"}: ${JSON.stringify(text.slice(0, 300))}`;
      const answer = await pipeline.receive({
        msgid: `fuzz-${r.seed}-${i}`,
        transport: "long-connection",
        chatType: chatId ? "group" : "single",
        chatId,
        userid,
        text,
      });
      if (typeof answer !== "string" || answer.trim() === "") failures.push(`${input} → no answer`);
      else if (answer === FAILURE_ANSWER) failures.push(`${input} → failure: ${String(errors.at(-1))}`);
      else for (const problem of injectionProblems(answer)) failures.push(`${input} → ${problem}`);

      const after = await take();
      const diff = changes(before, after);
      before = after;
      if (diff.tables.length === 0) continue;
      changed++;
      const member = members.get(userid);
      const command = findCommand(splitCommand(text).word || "帮助");
      const why = `${input} changed ${diff.tables.join(", ")}`;
      if (!member) failures.push(`${why}, sent by someone who is not an active member`);
      else if (!command || !UPDATE_COMMANDS.has(command.name)) failures.push(`${why} with no update command`);
      else if (!mayUse(command, member)) failures.push(`${why}, by a role that may not use it`);
      else if (diff.assignmentUnits.some((unitId) => !mayUpdate(member, { unitId })))
        failures.push(`${why}, on another unit's assignment`);
      if (diff.tables.includes("Person")) members = await loadMembers(); // 成员 may add people or change roles
    }
    console.log(`[fuzz] chat texts: ${MESSAGES} messages, ${changed} allowed updates changed the record`);
    expect(failures).toEqual([]);
    // The generator does reach the commands that write: a fuzz that never updates would not test the rule.
    expect(changed).toBeGreaterThan(0);
  }, 120_000);
});
