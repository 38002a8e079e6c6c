// The hot commands' queries on a large record: the SQL the commands really run (captured from Prisma's query events
// while they answer) is EXPLAINed, and a question about one case or one unit must not read all of "Assignment" or
// "Case". 100,000 assignments (bench/command-data.ts at a fifth of the benchmark's size) and ANALYZE make the planner
// choose as it would in production; on a small fixture a sequential scan is the right plan and proves nothing.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cppccSession, DATA_TODAY, generateCommandData, unitName, unitUserids } from "../../bench/command-data.ts";
import { answerMessage } from "../../commands/index.ts";
import { PrismaClient } from "../../generated/prisma/client.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

interface Captured {
  query: string;
  params: unknown[];
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

let database: TestDatabase;
/** The app's client, but telling us every query it runs. */
function loggingClient(url: string) {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: 2 }),
    log: [{ emit: "event", level: "query" }],
  });
}

let db: ReturnType<typeof loggingClient>;
let plain: pg.Client;
let captured: Captured[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await generateCommandData(database.url, { cases: 20_000, perCase: 5, units: 100 });
  db = loggingClient(database.url);
  db.$on("query", (e) => captured.push({ query: e.query, params: JSON.parse(e.params) as unknown[] }));
  plain = new pg.Client({ connectionString: database.url });
  await plain.connect();
}, 120_000);
afterAll(async () => {
  await plain?.end();
  await db?.$disconnect();
  await database?.drop();
});

let counter = 0;

/** Answers as `userid` and returns the answer and the reading queries it ran. */
async function run(userid: string, text: string, chatId: string | null = null) {
  captured = [];
  const answer = await answerMessage(
    db as never,
    { msgid: `plan-${++counter}`, transport: "console", chatType: chatId ? "group" : "single", chatId, userid, text },
    { today: () => DATA_TODAY },
  );
  return { answer, queries: captured.filter((q) => /^\s*SELECT/i.test(q.query)) };
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The tables of "Assignment" and "Case" that a query's plan reads in full. */
async function fullScans(query: Captured): Promise<string[]> {
  const { rows } = await plain.query(`EXPLAIN (FORMAT JSON) ${query.query}`, query.params);
  const plan = (rows[0]["QUERY PLAN"] as { Plan: PlanNode }[])[0]?.Plan as PlanNode;
  return nodes(plan)
    .filter((n) => n["Node Type"] === "Seq Scan" && ["Assignment", "Case"].includes(n["Relation Name"] ?? ""))
    .map((n) => n["Relation Name"] as string);
}

async function expectNoFullScans(queries: Captured[]): Promise<void> {
  const touching = queries.filter((q) => /"(Assignment|Case)"/.test(q.query));
  expect(touching.length).toBeGreaterThan(0);
  for (const query of touching) {
    expect({ query: query.query, fullScans: await fullScans(query) }).toEqual({ query: query.query, fullScans: [] });
  }
}

const [liaison] = unitUserids(7);

describe("a question about one case or one unit reads by index on a large record", () => {
  it("查 one case, by its unit in the unit's group", async () => {
    const { answer, queries } = await run(liaison as string, `查 ${cppccSession(2026)}205`, "chat_unit_7");
    expect(answer).toContain(`${cppccSession(2026)}第0205号提案`);
    await expectNoFullScans(queries);
  });

  it("查 a bare number that every session has", async () => {
    const { answer, queries } = await run(liaison as string, "查 205");
    expect(answer).toContain("编号205对应");
    await expectNoFullScans(queries);
  });

  it("我的: one unit's open duties", async () => {
    const { answer, queries } = await run(liaison as string, "我的");
    expect(answer).toContain(`**${unitName(7)}未办结`);
    await expectNoFullScans(queries);
  });

  it("单位: a leader asking about one unit", async () => {
    const { answer, queries } = await run("leader_1", `单位 ${unitName(12)}`);
    expect(answer).toContain(`**${unitName(12)}未办结`);
    await expectNoFullScans(queries);
  });

  it("逾期 and 临期 of one unit", async () => {
    const overdue = await run(liaison as string, "逾期", "chat_unit_7");
    expect(overdue.answer).toContain("逾期未办");
    await expectNoFullScans(overdue.queries);
    const due = await run(liaison as string, "临期 30");
    expect(due.answer).toContain("个工作日内");
    await expectNoFullScans(due.queries);
  });

  it("统计 of one unit", async () => {
    const { answer, queries } = await run(liaison as string, "统计");
    expect(answer).toContain(`**统计：全部届次 · ${unitName(7)}**`);
    await expectNoFullScans(queries);
  });
});
