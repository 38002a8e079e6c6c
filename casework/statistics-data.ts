// The rows behind 进度, 统计 and 总结: one query per selection (a session, a year, a unit), one row per assignment
// with the facts the statistics need computed in SQL, so a year of a whole city is one round trip.
import { type Db, Prisma, plainRows, type Session } from "../db/client.ts";
import { DEFAULT_POLICY, resolvePolicy } from "../domain/policy.ts";
import type { StatRow } from "../domain/statistics.ts";
import { loadUnitDirectory } from "./import-people.ts";
import { closestNames } from "./suggest.ts";

/** What to count. A year selects cases by their 交办日期 (Case.assignedOn), as the annual reports do. */
export interface StatScope {
  sessionId?: number;
  year?: number;
  unitId?: number;
}

function conditions(scope: StatScope): Prisma.Sql {
  const where = [Prisma.sql`a."state" <> 'WITHDRAWN'`];
  if (scope.unitId !== undefined) where.push(Prisma.sql`a."unitId" = ${scope.unitId}`);
  if (scope.sessionId !== undefined) {
    where.push(Prisma.sql`a."caseId" IN (SELECT c."id" FROM "Case" c WHERE c."sessionId" = ${scope.sessionId})`);
  }
  if (scope.year !== undefined) {
    const from = `${String(scope.year).padStart(4, "0")}-01-01`;
    const to = `${String(scope.year + 1).padStart(4, "0")}-01-01`;
    where.push(
      Prisma.sql`a."caseId" IN (SELECT c."id" FROM "Case" c WHERE c."assignedOn" >= ${from}::date AND c."assignedOn" < ${to}::date)`,
    );
  }
  return Prisma.join(where, " AND ");
}

/** One StatRow per assignment in scope (WITHDRAWN ones left out: the unit that took the case over counts it). */
export async function loadStatRows(db: Db, scope: StatScope): Promise<StatRow[]> {
  // Every fact is a correlated lookup by index (LIMIT 1 keeps the planner from hashing whole tables for one unit's
  // rows). The class of the first reply (round 1): Assignment.replyClass is the latest, which B→A changes.
  // Each row as one JSON text: converting one column per row costs the driver far less than twenty-one, and dates
  // arrive as the "YYYY-MM-DD" the statistics use. Plain SQL rather than Prisma's client, which spends several times
  // the CPU on a unit's ~1,700 rows.
  const query = Prisma.sql`
    SELECT row_to_json(t)::text AS "row" FROM (
    SELECT a."caseId", (SELECT c."kind"::text FROM "Case" c WHERE c."id" = a."caseId") AS "kind", a."unitId",
      a."role"::text AS "role", a."state"::text AS "state",
      a."signedAt" IS NOT NULL AS "signed",
      a."signDeadline", a."replyDeadline", a."opinionDeadline", a."rehandleDeadline", a."publishDeadline",
      a."publishedOn", a."repliedOn", a."opinionSentOn",
      COALESCE(
        (SELECT r."replyClass" FROM "Reply" r WHERE r."assignmentId" = a."id" ORDER BY r."round" LIMIT 1),
        a."replyClass") AS "replyClass",
      (SELECT COALESCE(
          (SELECT r."replyClass" FROM "Reply" r WHERE r."assignmentId" = b."id" ORDER BY r."round" LIMIT 1),
          b."replyClass")
        FROM "Assignment" b
        WHERE b."caseId" = a."caseId" AND b."role" IN ('LEAD', 'SEPARATE') AND b."state" <> 'WITHDRAWN'
          AND b."repliedOn" IS NOT NULL
        ORDER BY (b."role" = 'LEAD') DESC, b."repliedOn", b."id" LIMIT 1) AS "leadReplyClass",
      COALESCE((SELECT true FROM "ContactLog" l WHERE l."assignmentId" = a."id" AND l."form" = 'FACE' LIMIT 1), false)
        AS "metFace",
      (SELECT f."rating"::text FROM "Feedback" f WHERE f."assignmentId" = a."id"
        ORDER BY f."round" DESC LIMIT 1) AS "latestRating",
      COALESCE((SELECT true FROM "Feedback" f WHERE f."assignmentId" = a."id" AND f."rating" = 'UNSATISFIED' LIMIT 1),
        false) AS "everUnsatisfied",
      (SELECT count(*)::int FROM "FollowUp" u WHERE u."assignmentId" = a."id") AS "followUps",
      (SELECT count(*)::int FROM "FollowUp" u WHERE u."assignmentId" = a."id" AND u."status" = 'RESOLVED')
        AS "followUpsResolved"
    FROM "Assignment" a
    WHERE ${conditions(scope)}) t`;
  // The estimate of this query (one lookup per row and fact) passes PostgreSQL's JIT threshold for a single unit's
  // rows; compiling then costs more than the query itself: the app's connections have JIT off (db/client.ts).
  const rows = await plainRows<{ row: string }>(db, query.text, query.values);
  return rows.map((r) => JSON.parse(r.row) as StatRow);
}

/**
 * The reply classes to list, in order: the policies of the sessions in scope, merged (a year may span sessions
 * with different sets, e.g. A/B/C and A/B/C/D). A session whose stored policy no longer parses uses the default.
 */
export async function replyClassesFor(db: Db, scope: StatScope): Promise<string[]> {
  const sessions = await db.session.findMany({
    where: {
      ...(scope.sessionId !== undefined ? { id: scope.sessionId } : {}),
      cases: { some: scope.year !== undefined ? { assignedOn: yearRange(scope.year) } : {} },
    },
    select: { policy: true },
    orderBy: { id: "asc" },
  });
  const classes: string[] = [];
  for (const s of sessions) {
    let own: string[];
    try {
      own = resolvePolicy(s.policy).replyClasses;
    } catch {
      own = DEFAULT_POLICY.replyClasses;
    }
    for (const c of own) if (!classes.includes(c)) classes.push(c);
  }
  return classes.length ? classes : [...DEFAULT_POLICY.replyClasses];
}

function yearRange(year: number): { gte: Date; lt: Date } {
  const start = (y: number) => new Date(`${String(y).padStart(4, "0")}-01-01T00:00:00Z`);
  return { gte: start(year), lt: start(year + 1) };
}

/** A session named by its full name, or by a part of it that only one session's name contains (五届二次). */
export async function findSession(
  db: Db,
  text: string,
): Promise<{ session: Session } | { candidates: Session[] } | null> {
  const sessions = await db.session.findMany({ orderBy: [{ year: "desc" }, { id: "desc" }] });
  const exact = sessions.find((s) => s.name === text);
  if (exact) return { session: exact };
  const partial = sessions.filter((s) => s.name.includes(text));
  if (partial.length === 1 && partial[0]) return { session: partial[0] };
  return partial.length > 1 ? { candidates: partial } : null;
}

/** The coordinating office's unit (its name says which level: 市/县/区/省), if one is recorded. */
export async function findOfficeUnit(db: Db): Promise<{ name: string } | null> {
  return db.unit.findFirst({ where: { isOffice: true }, select: { name: true }, orderBy: { id: "asc" } });
}

/** Names of the given units, by id. */
export async function unitNames(db: Db, ids: Iterable<number>): Promise<Map<number, string>> {
  const units = await db.unit.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } });
  return new Map(units.map((u) => [u.id, u.name]));
}

/** What a 统计/总结/进度 request selects, with the names to print. */
export interface Selection {
  scope: StatScope;
  sessionName?: string;
  unitName?: string;
}

export type SelectionProblem =
  /** `expected` says what the word could have been: "年份、届次或单位". */
  | { problem: "unknown"; word: string; expected: string; suggestions: string[] }
  | { problem: "ambiguousSession"; word: string; candidates: string[] }
  | { problem: "repeated"; word: string }
  | { problem: "otherUnit"; unitName: string }
  | { problem: "noUnit" };

/** Who is asking: leaders and the office see every unit; everybody else only their own unit. */
export interface Viewer {
  seesAllUnits: boolean;
  unitId: number | null;
}

/**
 * Reads "[届次|年份] [单位]" word by word: a 4-digit year (2023, 2023年), a unit by full name or alias, or a
 * session by name or a part only one session's name contains. Unit staff are held to their own unit.
 */
export async function resolveSelection(
  db: Db,
  viewer: Viewer,
  words: readonly string[],
  accept: { year: boolean; session: boolean; unit: boolean },
): Promise<Selection | SelectionProblem> {
  const selection: Selection = { scope: {} };
  let units: Awaited<ReturnType<typeof loadUnitDirectory>> | null = null;
  for (const word of words) {
    const year = /^(\d{4})年?$/.exec(word);
    if (accept.year && year) {
      if (selection.scope.year !== undefined || selection.scope.sessionId !== undefined) return repeated(word);
      selection.scope.year = Number(year[1]);
      continue;
    }
    if (accept.unit) {
      units ??= await loadUnitDirectory(db);
      const unit = units.directory.find(word);
      if (unit) {
        if (selection.scope.unitId !== undefined) return repeated(word);
        Object.assign(selection, { unitName: unit.name, scope: { ...selection.scope, unitId: unit.id } });
        continue;
      }
    }
    const found = accept.session && word.length >= 2 ? await findSession(db, word) : null;
    if (found && "session" in found) {
      if (selection.scope.year !== undefined || selection.scope.sessionId !== undefined) return repeated(word);
      selection.scope.sessionId = found.session.id;
      selection.sessionName = found.session.name;
      continue;
    }
    if (found && "candidates" in found) {
      return { problem: "ambiguousSession", word, candidates: found.candidates.map((s) => s.name) };
    }
    const sessions = await db.session.findMany({ select: { name: true }, orderBy: [{ year: "desc" }, { id: "desc" }] });
    const names = [
      ...(accept.session ? sessions.map((s) => s.name) : []),
      ...(accept.unit ? (units?.units ?? []).flatMap((u) => [u.name, ...u.aliases]) : []),
    ];
    const expected = [accept.year && "年份", accept.session && "届次", accept.unit && "单位"]
      .filter(Boolean)
      .join("、");
    return {
      problem: "unknown",
      word,
      expected: expected.replace(/、(?=[^、]*$)/, "或"),
      suggestions: closestNames(word, names),
    };
  }
  if (viewer.seesAllUnits) return selection;
  if (viewer.unitId === null) return { problem: "noUnit" };
  if (selection.scope.unitId !== undefined && selection.scope.unitId !== viewer.unitId) {
    return { problem: "otherUnit", unitName: selection.unitName ?? "" };
  }
  const own = await db.unit.findUnique({ where: { id: viewer.unitId }, select: { name: true } });
  return { ...selection, unitName: own?.name, scope: { ...selection.scope, unitId: viewer.unitId } };
}

function repeated(word: string): SelectionProblem {
  return { problem: "repeated", word };
}
