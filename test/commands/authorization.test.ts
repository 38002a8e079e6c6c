// Who may update what, through the real pipeline: every update command × every role × own unit / other unit (and a
// leader without a unit, and a stranger), each on a fresh case in the state where the command would succeed — so a
// refusal is the permission rule and nothing else, and it must leave the database exactly as it was. Then the
// office-only commands, and the 不予公开 rule: an outsider naming such a case hears what they would for no case.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notAllowed, STRANGER } from "../../commands/messages.ts";
import type { AssignmentRole } from "../../db/client.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import {
  addCase,
  buildUpdateFixture,
  day,
  type Stage,
  snapshot,
  talker,
  type UpdateFixture,
} from "./update-fixture.ts";

let database: TestDatabase;
let fx: UpdateFixture;
let say: ReturnType<typeof talker>;
beforeAll(async () => {
  database = await createTestDatabase();
  fx = await buildUpdateFixture(database.db);
  say = talker(database.db);
});
afterAll(async () => {
  await database.drop();
});

interface Update {
  word: string;
  role: AssignmentRole;
  stage: Stage;
  args: string;
  /** True once the command has taken effect on the assignment. */
  done: (assignmentId: number) => Promise<boolean>;
}

const state = async (id: number) => (await fx.db.assignment.findUniqueOrThrow({ where: { id } })).state;
const UPDATES: Update[] = [
  { word: "签收", role: "LEAD", stage: "PENDING", args: "", done: async (id) => (await state(id)) === "IN_PROGRESS" },
  {
    word: "沟通",
    role: "LEAD",
    stage: "IN_PROGRESS",
    args: "面商",
    done: async (id) => (await fx.db.contactLog.count({ where: { assignmentId: id } })) === 1,
  },
  {
    word: "意见",
    role: "JOINT",
    stage: "IN_PROGRESS",
    args: "",
    done: async (id) => (await state(id)) === "OPINION_SENT",
  },
  { word: "答复", role: "LEAD", stage: "IN_PROGRESS", args: "A", done: async (id) => (await state(id)) === "REPLIED" },
  {
    word: "反馈",
    role: "LEAD",
    stage: "REPLIED",
    args: "不满意",
    done: async (id) => (await state(id)) === "REHANDLING",
  },
  {
    word: "公开",
    role: "LEAD",
    stage: "REPLIED",
    args: "",
    done: async (id) => (await fx.db.assignment.findUniqueOrThrow({ where: { id } })).publishedOn !== null,
  },
  {
    word: "延期",
    role: "LEAD",
    stage: "IN_PROGRESS",
    args: "8月31日 需调研",
    done: async (id) => (await fx.db.request.count({ where: { assignmentId: id, type: "EXTENSION" } })) === 1,
  },
  {
    word: "调整",
    role: "LEAD",
    stage: "PENDING",
    args: "不属本单位职责",
    done: async (id) => (await fx.db.request.count({ where: { assignmentId: id, type: "ADJUSTMENT" } })) === 1,
  },
];

/** Who asks, how, and what they must hear: null = allowed, else the start of the refusal. */
interface Asker {
  label: string;
  userid: string;
  /** Words after the reference: the edu people also try naming 市发改委's assignment outright. */
  namesUnit?: boolean;
  expect: (u: Update) => string | null;
}

const FGW = "市发展和改革委员会";
const ASKERS: Asker[] = [
  { label: "admin (the office)", userid: "zhangwei", expect: () => null },
  { label: "admin (the office) naming the unit", userid: "zhangwei", namesUnit: true, expect: () => null },
  ...(["leader", "liaison", "handler"] as const).flatMap((role): Asker[] => [
    { label: `${role}, own unit`, userid: `fgw_${role}`, expect: () => null },
    {
      label: `${role}, other unit`,
      userid: `edu_${role}`,
      expect: (u) => `无法${u.word}：市教育局不是该件的承办单位，只有承办单位的人员或督办室可以办理。`,
    },
    {
      label: `${role}, other unit naming the unit`,
      userid: `edu_${role}`,
      namesUnit: true,
      expect: (u) => `无法${u.word}：只有${FGW}的人员或督办室可以办理该单位的承办，您属于市教育局（当前状态：`,
    },
  ]),
  {
    label: "leader without a unit",
    userid: "city_leader",
    expect: (u) => `无法${u.word}：您不属于任何承办单位，只有承办单位的人员或督办室可以办理。`,
  },
  { label: "stranger", userid: "not_a_member", expect: () => STRANGER },
];

describe("the update matrix: command × role × own/other unit", () => {
  for (const u of UPDATES) {
    for (const asker of ASKERS) {
      const allowed = asker.expect(u) === null;
      it(`${u.word} by ${asker.label}: ${allowed ? "allowed" : "refused"}`, async () => {
        const { number, ids } = await addCase(fx, { units: [{ unit: "fgw", role: u.role, stage: u.stage }] });
        const id = ids.fgw as number;
        const text = [u.word, number, asker.namesUnit ? "市发改委" : "", u.args].filter(Boolean).join(" ");
        const before = await snapshot(fx.db);
        const answer = await say(asker.userid, text);
        const refusal = asker.expect(u);
        if (refusal === null) {
          expect(answer).toMatch(/^已/);
          expect(await u.done(id)).toBe(true);
          const event = await fx.db.event.findFirstOrThrow({ where: { assignmentId: id }, orderBy: { id: "desc" } });
          expect(event.actorId).toBe(fx.people[asker.userid]);
        } else {
          expect(answer.startsWith(refusal)).toBe(true);
          expect(await u.done(id)).toBe(false);
          expect(await snapshot(fx.db)).toBe(before);
        }
      });
    }
  }
});

describe("office-only commands", () => {
  const others = ["fgw_leader", "fgw_liaison", "fgw_handler", "edu_leader", "edu_liaison", "city_leader"];
  let n = 0;
  /** A fresh pending extension request of 市发改委. */
  async function pendingRequest(): Promise<number> {
    const { ids } = await addCase(fx, { units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }] });
    const data = {
      type: "EXTENSION",
      assignmentId: ids.fgw as number,
      reason: "需调研",
      requestedDeadline: day("2024-08-31"),
    } as const;
    return (await fx.db.request.create({ data })).id;
  }
  const OFFICE_ONLY: { word: string; text: () => Promise<[string, string | null]>; done: () => Promise<boolean> }[] = [
    {
      word: "批准",
      text: async () => [`批准 ${await pendingRequest()}`, null],
      done: async () => (await fx.db.request.findFirstOrThrow({ orderBy: { id: "desc" } })).status === "APPROVED",
    },
    {
      word: "驳回",
      text: async () => [`驳回 ${await pendingRequest()}`, null],
      done: async () => (await fx.db.request.findFirstOrThrow({ orderBy: { id: "desc" } })).status === "REFUSED",
    },
    {
      word: "成员",
      text: async () => [`成员 添加 新人 newbie_${++n} 市发改委 承办人`, null],
      done: async () => (await fx.db.person.count({ where: { userid: `newbie_${n}` } })) === 1,
    },
    {
      word: "绑定",
      text: async () => ["绑定 市教育局", `chat-bind-${++n}`],
      done: async () => (await fx.db.groupChat.count({ where: { chatId: `chat-bind-${n}` } })) === 1,
    },
  ];
  for (const c of OFFICE_ONLY) {
    it(`${c.word}: the office may, every other role is told it may not, and 帮助 lists it only for the office`, async () => {
      const [text, chatId] = await c.text();
      for (const userid of others) {
        const before = await snapshot(fx.db);
        expect(await say(userid, text, chatId)).toBe(notAllowed(c.word));
        expect(await snapshot(fx.db)).toBe(before);
        expect(await say(userid, "帮助")).not.toContain(`**${c.word}**`);
      }
      expect(await say("not_a_member", text, chatId)).toBe(STRANGER);
      expect(await c.done()).toBe(false);
      expect(await say("zhangwei", text, chatId)).toMatch(/^已/);
      expect(await c.done()).toBe(true);
      expect(await say("zhangwei", "帮助")).toContain(`**${c.word}**`);
    });
  }
});

describe("不予公开", () => {
  it("an outsider updating, or only naming, such a case hears exactly what they would for no case", async () => {
    await addCase(fx, {
      number: "7001",
      disclosure: "NOT_PUBLIC",
      units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }],
    });
    const before = await snapshot(fx.db);
    for (const u of UPDATES) {
      for (const [userid, chatId] of [
        ["edu_liaison", null],
        ["edu_handler", "chat-edu"],
        ["edu_liaison", "chat-loose"], // a group bound to no one
      ] as const) {
        const text = (n: string) => `${u.word} ${n} ${u.args}`.trim();
        const secretAnswer = await say(userid, text("7001"), chatId);
        const missingAnswer = await say(userid, text("7002"), chatId);
        expect(secretAnswer.replaceAll("7001", "7002")).toBe(missingAnswer);
      }
      // Its own unit, or the office, in a group others read (another unit's, or an unbound one): told where to ask,
      // never the title, and nothing is done.
      for (const [userid, chatId] of [
        ["fgw_liaison", "chat-edu"],
        ["fgw_liaison", "chat-loose"],
        ["zhangwei", "chat-edu"],
      ] as const) {
        const answer = await say(userid, `${u.word} 7001 ${u.args}`.trim(), chatId);
        expect(answer).toMatch(/^该案件不予公开，不能在本群查看。/);
        expect(answer).not.toContain("7001");
      }
    }
    expect(await snapshot(fx.db)).toBe(before);
  });

  it("its own unit (in its own group or a single chat) and the office may update it; a leader sees it but may not", async () => {
    const secret = await addCase(fx, {
      number: "7003",
      disclosure: "NOT_PUBLIC",
      units: [{ unit: "fgw", role: "LEAD", stage: "IN_PROGRESS" }],
    });
    expect(await say("fgw_liaison", "沟通 7003 电话", "chat-fgw")).toMatch(/^已记录办前电话/);
    expect(await say("fgw_handler", "沟通 7003 面商")).toMatch(/^已记录办中面商/);
    expect(await say("zhangwei", "沟通 7003 走访", "chat-office")).toMatch(/^已记录办中走访/);
    const before = await snapshot(fx.db);
    expect(await say("edu_leader", "沟通 7003 电话")).toBe(
      `无法沟通：市教育局不是该件的承办单位，只有承办单位的人员或督办室可以办理。承办单位：${FGW}（主办，办理中）。`,
    );
    expect(await snapshot(fx.db)).toBe(before);
    expect(await fx.db.contactLog.count({ where: { assignmentId: secret.ids.fgw } })).toBe(3);
  });
});
