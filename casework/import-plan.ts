// What a 交办清单 import changes, worked out against the database in a few batched reads: sessions, the existing
// cases the rows name with their assignments, and approved extensions. import-apply.ts writes the result.
import type { AssignmentState } from "../db/client.ts";
import { type AssignmentDeadlines, assignmentDeadlines } from "../domain/deadlines.ts";
import { type AssignmentRole, answersProposer, CASE_KIND_LABEL, ROLE_LABEL } from "../domain/labels.ts";
import { type DeadlinePolicy, resolvePolicy } from "../domain/policy.ts";
import type { Tx } from "./events.ts";
import type { CaseRow } from "./import-cases.ts";
import type { Problem } from "./import-people.ts";
import { matchKey } from "./spreadsheet.ts";

type Reader = Pick<Tx, "session" | "case" | "request" | "$executeRawUnsafe">;

// Any number, as long as every import takes the same one: imports run one at a time.
const IMPORT_LOCK = 0x6a62_0001;

const day = (d: Date) => d.toISOString().slice(0, 10);
const dayOrNull = (d: Date | null) => (d ? day(d) : null);

export interface SessionInfo {
  /** The name as the rows wrote it (normalised); `name` is the stored one. */
  key: string;
  name: string;
  id: number | null;
  policy: DeadlinePolicy;
  year: number;
}

/** An assignment as written after the import: new (id null) or an existing one changed. */
export interface AssignmentWrite {
  id: number | null;
  row: CaseRow;
  caseId: number | null;
  unitId: number;
  unitName: string;
  role: AssignmentRole;
  state: AssignmentState;
  signedAt: Date | null;
  deadlines: AssignmentDeadlines;
  /** For changes: the event's action, what it was, and which notice tells the unit. */
  action?: string;
  before?: Record<string, unknown>;
}

export interface ImportPlan {
  problems: Problem[];
  counts: { created: number; updated: number; unchanged: number } & Record<
    "assignmentsAdded" | "assignmentsRemoved" | "assignmentsChanged",
    number
  >;
  sessions: SessionInfo[];
  newCases: CaseRow[];
  caseUpdates: { id: number; row: CaseRow; before: Record<string, unknown>; after: Record<string, unknown> }[];
  writes: AssignmentWrite[];
}

/** Reads what the rows touch (sessions, existing cases with their assignments) and works out every change. */
export async function planImport(db: Reader, rows: CaseRow[], options: { lock?: boolean } = {}): Promise<ImportPlan> {
  if (options.lock) await db.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${IMPORT_LOCK})`);
  const plan: ImportPlan = {
    problems: [],
    counts: { created: 0, updated: 0, unchanged: 0, assignmentsAdded: 0, assignmentsRemoved: 0, assignmentsChanged: 0 },
    sessions: [],
    newCases: [],
    caseUpdates: [],
    writes: [],
  };

  const known = new Map((await db.session.findMany()).map((s) => [matchKey(s.name), s]));
  const sessions = new Map<string, SessionInfo>();
  for (const row of rows) {
    if (sessions.has(row.sessionName)) continue;
    const stored = known.get(matchKey(row.sessionName));
    try {
      const policy = resolvePolicy(stored?.policy);
      const year = stored?.year ?? Number(row.assignedOn.slice(0, 4));
      sessions.set(row.sessionName, {
        key: row.sessionName,
        name: stored?.name ?? row.sessionName,
        id: stored?.id ?? null,
        policy,
        year,
      });
    } catch (error) {
      plan.problems.push({
        row: row.row,
        column: "届次",
        message: `届次「${row.sessionName}」的期限设置有误，请先修正：${(error as Error).message}`,
      });
    }
  }
  if (plan.problems.length > 0) return plan;
  plan.sessions = [...sessions.values()];

  // Deadlines repeat across rows (same session, date and role): compute each combination once.
  const memo = new Map<string, AssignmentDeadlines>();
  const deadlinesFor = (row: CaseRow, role: AssignmentRole) => {
    const key = `${row.sessionName}|${row.assignedOn}|${role}|${row.replyDeadline}|${row.opinionDeadline}`;
    let d = memo.get(key);
    if (!d) {
      const policy = sessions.get(row.sessionName)?.policy ?? resolvePolicy();
      const overrides = { replyDeadline: row.replyDeadline, opinionDeadline: row.opinionDeadline };
      d = assignmentDeadlines(row.assignedOn, role, policy, overrides);
      memo.set(key, d);
    }
    return d;
  };

  const sessionIds = plan.sessions.flatMap((s) => (s.id === null ? [] : [s.id]));
  const existing = sessionIds.length
    ? await db.case.findMany({
        where: { sessionId: { in: sessionIds }, number: { in: [...new Set(rows.map((r) => r.number))] } },
        include: { assignments: { include: { unit: { select: { name: true } } } } },
      })
    : [];
  const existingByKey = new Map(existing.map((c) => [`${c.kind}|${c.sessionId}|${c.number}`, c]));
  // A re-import must not undo an approved 延期 by moving that reply deadline back.
  const extended = new Set(
    existing.length
      ? (
          await db.request.findMany({
            where: { type: "EXTENSION", status: "APPROVED", assignment: { caseId: { in: existing.map((c) => c.id) } } },
            select: { assignmentId: true },
          })
        ).map((r) => r.assignmentId)
      : [],
  );

  for (const row of rows) {
    const sessionId = sessions.get(row.sessionName)?.id ?? null;
    const current = sessionId === null ? undefined : existingByKey.get(`${row.kind}|${sessionId}|${row.number}`);
    if (!current) {
      plan.newCases.push(row);
      plan.counts.created++;
      for (const u of row.units) {
        plan.writes.push({
          id: null,
          row,
          caseId: null,
          ...u,
          state: "PENDING",
          signedAt: null,
          deadlines: deadlinesFor(row, u.role),
        });
        plan.counts.assignmentsAdded++;
      }
      continue;
    }
    const fields: Record<string, [unknown, unknown]> = {
      title: [current.title, row.title],
      proposers: [current.proposers, row.proposers],
      isPriority: [current.isPriority, row.isPriority],
      disclosure: [current.disclosure, row.disclosure],
      assignedOn: [day(current.assignedOn), row.assignedOn],
    };
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const [field, [was, now]] of Object.entries(fields)) {
      if (JSON.stringify(was) === JSON.stringify(now)) continue;
      before[field] = was;
      after[field] = now;
    }
    const writesBefore = plan.writes.length;
    if (Object.keys(after).length > 0) plan.caseUpdates.push({ id: current.id, row, before, after });
    const dateMoved = "assignedOn" in after;
    const listed = new Map(row.units.map((u) => [u.unitId, u]));
    for (const a of current.assignments) {
      const stored: AssignmentDeadlines = {
        signDeadline: day(a.signDeadline),
        adjustDeadline: day(a.adjustDeadline),
        opinionDeadline: dayOrNull(a.opinionDeadline),
        replyDeadline: dayOrNull(a.replyDeadline),
        extensionCap: dayOrNull(a.extensionCap),
      };
      const was = { unit: a.unit.name, role: a.role, state: a.state, ...stored };
      const same = { row, id: a.id, caseId: current.id, unitId: a.unitId, unitName: a.unit.name, before: was };
      const unit = listed.get(a.unitId);
      if (!unit) {
        if (a.state === "WITHDRAWN") continue;
        const action = "assignment.withdrawn";
        plan.writes.push({
          ...same,
          role: a.role,
          state: "WITHDRAWN",
          signedAt: a.signedAt,
          deadlines: stored,
          action,
        });
        plan.counts.assignmentsRemoved++;
        continue;
      }
      const wanted = deadlinesFor(row, unit.role);
      if (a.state === "WITHDRAWN") {
        // Listed again after being taken off: the unit gets it back as a fresh 交办, to be signed for again.
        const action = "assignment.restored";
        plan.writes.push({ ...same, role: unit.role, state: "PENDING", signedAt: null, deadlines: wanted, action });
        plan.counts.assignmentsAdded++;
        continue;
      }
      let deadlines: AssignmentDeadlines | null = null;
      if (unit.role !== a.role) {
        // The role's own deadline is recomputed; sign and adjust windows stay unless the 交办日期 moved.
        deadlines = dateMoved
          ? wanted
          : { ...wanted, signDeadline: stored.signDeadline, adjustDeadline: stored.adjustDeadline };
      } else if (!extended.has(a.id) && (a.state === "PENDING" || a.state === "IN_PROGRESS")) {
        // Same role: dates move only for a new 交办日期, or a 答复期限/会办期限 differing from the stored one.
        const own = answersProposer(a.role) ? row.replyDeadline : row.opinionDeadline;
        const ownStored = answersProposer(a.role) ? stored.replyDeadline : stored.opinionDeadline;
        if (dateMoved) deadlines = wanted;
        else if (own !== null && own !== ownStored) deadlines = { ...stored, ...roleDeadlines(wanted, a.role) };
      }
      if (!deadlines || (unit.role === a.role && JSON.stringify(deadlines) === JSON.stringify(stored))) continue;
      const action = unit.role !== a.role ? "assignment.role_changed" : "assignment.deadlines_changed";
      plan.writes.push({ ...same, role: unit.role, state: a.state, signedAt: a.signedAt, deadlines, action });
      plan.counts.assignmentsChanged++;
    }
    for (const u of row.units) {
      if (current.assignments.some((a) => a.unitId === u.unitId)) continue;
      plan.writes.push({
        id: null,
        row,
        caseId: current.id,
        ...u,
        state: "PENDING",
        signedAt: null,
        deadlines: deadlinesFor(row, u.role),
      });
      plan.counts.assignmentsAdded++;
    }
    if (plan.writes.length > writesBefore || Object.keys(after).length > 0) plan.counts.updated++;
    else plan.counts.unchanged++;
  }
  return plan;
}

/** The deadlines that belong to a role: a reply (and its extension cap) or an opinion. */
function roleDeadlines(d: AssignmentDeadlines, role: AssignmentRole): Partial<AssignmentDeadlines> {
  return answersProposer(role)
    ? { replyDeadline: d.replyDeadline, extensionCap: d.extensionCap }
    : { opinionDeadline: d.opinionDeadline };
}

const FIELD_LABEL: Record<string, string> = {
  title: "标题",
  proposers: "提出人",
  isPriority: "重点",
  disclosure: "公开属性",
  assignedOn: "交办日期",
};

/** What the plan changes, one line per case or assignment, as an operator checks a dry run before the real one. */
export function describePlan(plan: ImportPlan): string[] {
  const name = (row: CaseRow) => `${row.sessionName}第${row.number}号${CASE_KIND_LABEL[row.kind]}`;
  const lines = plan.newCases.map(
    (row) => `新建 ${name(row)}：${row.units.map((u) => `${u.unitName}（${ROLE_LABEL[u.role]}）`).join("、")}`,
  );
  for (const u of plan.caseUpdates) {
    lines.push(
      `更新 ${name(u.row)}：${Object.keys(u.after)
        .map((f) => FIELD_LABEL[f] ?? f)
        .join("、")}`,
    );
  }
  for (const w of plan.writes) {
    if (w.caseId === null) continue; // part of a new case, listed above
    const was = w.before as { role?: AssignmentRole } | undefined;
    const what =
      w.action === "assignment.withdrawn"
        ? "撤回"
        : w.action === "assignment.role_changed"
          ? `${ROLE_LABEL[was?.role ?? w.role]} → ${ROLE_LABEL[w.role]}`
          : w.action === "assignment.deadlines_changed"
            ? "期限变更"
            : `新增（${ROLE_LABEL[w.role]}）`;
    lines.push(`调整 ${name(w.row)}：${w.unitName} ${what}`);
  }
  return lines;
}
