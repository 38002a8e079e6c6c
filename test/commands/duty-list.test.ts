// "Open" and "the next deadline" are defined once (domain/duties.ts); the database filter that lists them is built
// from the same rules. Here both are run over every state × role, with and without a pending 公开, and must agree.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDutySql } from "../../commands/duty-list.ts";
import type { Assignment } from "../../db/client.ts";
import { Prisma } from "../../db/client.ts";
import { nextDuty } from "../../domain/duties.ts";
import type { AssignmentRole, AssignmentState } from "../../domain/labels.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const STATES: AssignmentState[] = [
  "PENDING",
  "IN_PROGRESS",
  "OPINION_SENT",
  "REPLIED",
  "REHANDLING",
  "CLOSED",
  "WITHDRAWN",
];
const ROLES: AssignmentRole[] = ["LEAD", "SEPARATE", "JOINT", "ASSIST"];
const day = (d: string) => new Date(`${d}T00:00:00Z`);

let database: TestDatabase;
let rows: Assignment[];

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  const session = await db.session.create({ data: { name: "市政协五届二次会议", body: "CPPCC", year: 2024 } });
  let n = 0;
  for (const state of STATES) {
    for (const role of ROLES) {
      // REPLIED three ways: nothing to publish, to publish by 03-10, published already.
      const publishings = state === "REPLIED" ? ["none", "due", "done"] : ["none"];
      for (const publishing of publishings) {
        const unit = await db.unit.create({ data: { name: `单位${++n}` } });
        const answers = role === "LEAD" || role === "SEPARATE";
        // Deadlines spread around 2024-03-15 so the windows below cut through them.
        await db.case.create({
          data: {
            kind: "PROPOSAL",
            sessionId: session.id,
            number: String(n),
            title: `第${n}件`,
            assignedOn: day("2024-02-20"),
            assignments: {
              create: {
                unitId: unit.id,
                role,
                state,
                signedAt: state === "PENDING" || state === "WITHDRAWN" ? null : new Date(),
                signDeadline: day(n % 2 ? "2024-03-01" : "2024-03-20"),
                adjustDeadline: day("2024-02-27"),
                replyDeadline: answers ? day(n % 3 ? "2024-03-10" : "2024-04-30") : null,
                opinionDeadline: answers ? null : day(n % 3 ? "2024-03-18" : "2024-03-05"),
                rehandleDeadline: state === "REHANDLING" ? day("2024-03-14") : null,
                repliedOn: state === "REPLIED" ? day("2024-03-01") : null,
                replyClass: state === "REPLIED" ? "A" : null,
                opinionSentOn: state === "OPINION_SENT" ? day("2024-03-01") : null,
                publishDeadline: publishing === "none" ? null : day("2024-03-10"),
                publishedOn: publishing === "done" ? day("2024-03-08") : null,
              },
            },
          },
        });
      }
    }
  }
  rows = await db.assignment.findMany({ orderBy: { id: "asc" } });
});
afterAll(async () => {
  await database?.drop();
});

async function idsWhere(where: Prisma.Sql): Promise<number[]> {
  const found = await database.db.$queryRaw<{ id: number }[]>(
    Prisma.sql`SELECT a."id" FROM "Assignment" a WHERE ${where} ORDER BY a."id"`,
  );
  return found.map((r) => r.id);
}

describe("open duties: the database filter agrees with nextDuty", () => {
  it("on which assignments are open at all", async () => {
    const open = rows.filter((r) => nextDuty(r) !== null).map((r) => r.id);
    expect(await idsWhere(openDutySql())).toEqual(open);
    // Open: 签收 ×4 roles, 答复/意见 ×4, 重新办理 ×4, and only the one REPLIED way with 公开 still due ×4.
    expect(open).toHaveLength(16);
  });

  it("on which are overdue, and which fall in a window", async () => {
    const overdue = rows.filter((r) => {
      const due = nextDuty(r)?.deadline;
      return due !== undefined && due !== null && due < "2024-03-15";
    });
    expect(await idsWhere(openDutySql({ before: "2024-03-15" }))).toEqual(overdue.map((r) => r.id));
    expect(overdue.length).toBeGreaterThan(0);
    const window = rows.filter((r) => {
      const due = nextDuty(r)?.deadline;
      return due !== undefined && due !== null && due >= "2024-03-15" && due < "2024-03-21";
    });
    expect(await idsWhere(openDutySql({ from: "2024-03-15", before: "2024-03-21" }))).toEqual(window.map((r) => r.id));
    expect(window.length).toBeGreaterThan(0);
  });

  it("names each duty as staff do", () => {
    const labels = new Set(rows.map((r) => nextDuty(r)?.label).filter(Boolean));
    expect([...labels].sort()).toEqual(["会办意见", "公开", "协办意见", "答复", "签收", "重新办理答复"].sort());
  });
});
