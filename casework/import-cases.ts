// The 交办清单 import: one spreadsheet row per case, with its units by role. Every row is checked and every problem
// reported (row, column, Chinese message) before anything is written; then the whole file goes in one transaction.
// Re-importing updates cases by (类型, 届次, 编号), records each change in the event log and queues the notices
// (交办 / 调整) that the scheduler sends later. Reads and writes are batched: a few statements per file, not per row.
import { basename } from "node:path";
import type { Db } from "../db/client.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import {
  type AssignmentRole,
  CASE_KIND_LABEL,
  type CaseKind,
  codeOf,
  DISCLOSURE_LABEL,
  type Disclosure,
} from "../domain/labels.ts";
import { applyPlan } from "./import-apply.ts";
import { loadUnitDirectory, type Problem, type UnitRef, unitDirectory } from "./import-people.ts";
import { describePlan, planImport } from "./import-plan.ts";
import {
  cellDate,
  matchKey,
  readTable,
  SpreadsheetError,
  splitList,
  trimText,
  type WorkbookInput,
} from "./spreadsheet.ts";

export type { Problem } from "./import-people.ts";

/** The 交办清单 columns in template order. */
export const CASE_LIST_COLUMNS = [
  "类型",
  "届次",
  "编号",
  "标题",
  "提出人",
  "主办单位",
  "分办单位",
  "会办单位",
  "协办单位",
  "重点",
  "公开属性",
  "交办日期",
  "答复期限",
  "会办期限",
] as const;
const REQUIRED = ["类型", "届次", "编号", "标题", "主办单位", "交办日期"];
const OPTIONAL = CASE_LIST_COLUMNS.filter((c) => !REQUIRED.includes(c));

const ROLE_COLUMNS: [string, AssignmentRole][] = [
  ["主办单位", "LEAD"],
  ["分办单位", "SEPARATE"],
  ["会办单位", "JOINT"],
  ["协办单位", "ASSIST"],
];

/** One valid row of the list. */
export interface CaseRow {
  row: number;
  kind: CaseKind;
  sessionName: string;
  number: string;
  title: string;
  proposers: string[];
  isPriority: boolean;
  disclosure: Disclosure;
  assignedOn: CalendarDate;
  /** 答复期限 / 会办期限 written for this case, overriding the session's policy. */
  replyDeadline: CalendarDate | null;
  opinionDeadline: CalendarDate | null;
  units: { unitId: number; unitName: string; role: AssignmentRole }[];
}

export interface CaseListImportResult {
  problems: Problem[];
  dryRun: boolean;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  assignmentsAdded: number;
  assignmentsRemoved: number;
  assignmentsChanged: number;
  /** One line per case or assignment changed (describePlan), so a dry run shows what the real import would do. */
  changes: string[];
}

const KIND_HINT = Object.values(CASE_KIND_LABEL).join("/");
const DISCLOSURE_WORDS: Record<string, Disclosure> = { 公开: "PUBLIC", 依申请: "ON_REQUEST", 不公开: "NOT_PUBLIC" };
const YES = new Set(["是", "y", "yes", "true", "1", "√", "✓", "重点"]);
const NO = new Set(["", "否", "n", "no", "false", "0", "×", "x"]);

function parseKind(text: string): CaseKind | undefined {
  const t = matchKey(text);
  const exact = codeOf(CASE_KIND_LABEL, t);
  if (exact) return exact;
  // "政协提案", "人大代表建议": the one label the text ends with.
  const found = (Object.keys(CASE_KIND_LABEL) as CaseKind[]).filter((k) => t.endsWith(CASE_KIND_LABEL[k]));
  return found.length === 1 ? found[0] : undefined;
}

/** 编号 as written ("0484" stays "0484"), full-width digits folded, and "第205号" read as "205". */
export function caseNumber(text: string): string {
  const t = matchKey(text);
  return /^第(.+)号$/.exec(t)?.[1] ?? t;
}

/** A session's name as stored and compared: no spaces, full-width folded. */
export function sessionName(text: string): string {
  return matchKey(text);
}

function plausibleYear(date: CalendarDate): boolean {
  const year = Number(date.slice(0, 4));
  return year >= 1949 && year <= 2200;
}

/** Checks every row against the known units; returns the valid rows and every problem found. */
export async function parseCaseList(
  input: WorkbookInput,
  units: UnitRef[],
): Promise<{ rows: CaseRow[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  let table: Awaited<ReturnType<typeof readTable>>;
  try {
    table = await readTable(input, REQUIRED, OPTIONAL);
  } catch (error) {
    if (error instanceof SpreadsheetError)
      return { rows: [], problems: [{ row: 0, column: "", message: error.message }] };
    throw error;
  }
  const directory = unitDirectory(units);
  const rows: CaseRow[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { row, text, raw } of table.rows) {
    const before = problems.length;
    const bad = (column: string, message: string) => problems.push({ row, column, message });
    const get = (column: string) => text[column] ?? "";

    const kind = parseKind(get("类型"));
    if (!kind)
      bad("类型", get("类型") === "" ? `类型为空，应为 ${KIND_HINT}` : `类型「${get("类型")}」应为 ${KIND_HINT}`);
    const session = sessionName(get("届次"));
    if (session === "") bad("届次", "届次为空（例如：市政协五届二次会议）");
    const number = caseNumber(get("编号"));
    if (number === "") bad("编号", "编号为空");
    const title = trimText(get("标题").replace(/^《(.*)》$/s, "$1"));
    if (title === "") bad("标题", "标题为空");

    const date = (column: string, required: boolean): CalendarDate | null => {
      if (get(column) === "") {
        if (required) bad(column, `${column}为空`);
        return null;
      }
      const d = cellDate(raw[column] ?? null, get(column));
      if (!d || !plausibleYear(d)) {
        // Written as a date but not one (2月30日): say so, rather than asking for the form it already has.
        const shaped = /^\d{4}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}\s*(?:日|号)?$/.test(get(column));
        bad(
          column,
          shaped && !d
            ? `${column}「${get(column)}」这一天不存在，请检查月份和日期`
            : `${column}「${get(column)}」无法识别，请写成 2023-08-31 或 2023年8月31日`,
        );
        return null;
      }
      return d;
    };
    const assignedOn = date("交办日期", true);
    const replyDeadline = date("答复期限", false);
    const opinionDeadline = date("会办期限", false);
    for (const [column, d] of [
      ["答复期限", replyDeadline],
      ["会办期限", opinionDeadline],
    ] as const) {
      if (d && assignedOn && d < assignedOn) bad(column, `${column} ${d} 早于交办日期 ${assignedOn}`);
    }

    const isPriorityText = matchKey(get("重点")).toLowerCase();
    if (!YES.has(isPriorityText) && !NO.has(isPriorityText)) bad("重点", `重点「${get("重点")}」应为 是 或 否`);
    const disclosureText = matchKey(get("公开属性"));
    const disclosure =
      disclosureText === "" ? "PUBLIC" : (codeOf(DISCLOSURE_LABEL, disclosureText) ?? DISCLOSURE_WORDS[disclosureText]);
    if (!disclosure)
      bad("公开属性", `公开属性「${get("公开属性")}」应为 主动公开/依申请公开/不予公开（空白即主动公开）`);

    const assigned: CaseRow["units"] = [];
    const columnOf = new Map<number, string>();
    for (const [column, role] of ROLE_COLUMNS) {
      for (const name of splitList(get(column))) {
        const unit = directory.find(name);
        if (!unit) {
          bad(column, directory.unknownMessage(name));
          continue;
        }
        const seenIn = columnOf.get(unit.id);
        if (seenIn === column) continue; // listed twice in the same column: once is enough
        if (seenIn) {
          bad(column, `单位「${unit.name}」同时列在${seenIn}和${column}中，一个单位在同一件中只能有一种承办方式`);
          continue;
        }
        columnOf.set(unit.id, column);
        assigned.push({ unitId: unit.id, unitName: unit.name, role });
      }
    }
    const hasAnswering = assigned.some((a) => a.role === "LEAD" || a.role === "SEPARATE");
    const unitProblems = problems.slice(before).some((p) => p.column.endsWith("单位"));
    if (!hasAnswering && !unitProblems) bad("主办单位", "缺少主办单位：每件至少要有一个主办或分办单位");

    if (kind && session && number) {
      const key = `${kind}|${session}|${number}`;
      const first = firstRowOf.get(key);
      if (first !== undefined) {
        bad("编号", `编号「${number}」与第${first}行重复（同为${session}${CASE_KIND_LABEL[kind]}）`);
      } else firstRowOf.set(key, row);
    }
    if (problems.length > before || !kind || !assignedOn || !disclosure) continue;
    rows.push({
      row,
      kind,
      sessionName: session,
      number,
      title,
      proposers: splitList(get("提出人")),
      isPriority: YES.has(isPriorityText),
      disclosure,
      assignedOn,
      replyDeadline,
      opinionDeadline,
      units: assigned,
    });
  }
  if (table.rows.length === 0) problems.push({ row: 0, column: "", message: "表格中没有数据行（表头下面是空的）" });
  return { rows, problems };
}

/**
 * Imports a 交办清单. With any problem nothing is written and the problems are returned. With `dryRun`, the
 * counts say what an import would change and nothing is written.
 */
export async function importCaseList(
  db: Db,
  file: WorkbookInput,
  options: { dryRun?: boolean; actorLabel?: string } = {},
): Promise<CaseListImportResult> {
  const dryRun = options.dryRun ?? false;
  const actorLabel =
    options.actorLabel ?? (typeof file === "string" ? `导入交办清单（${basename(file)}）` : "导入交办清单");
  const { units } = await loadUnitDirectory(db);
  const { rows, problems } = await parseCaseList(file, units);
  const result: CaseListImportResult = {
    problems,
    dryRun,
    rows: rows.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    assignmentsAdded: 0,
    assignmentsRemoved: 0,
    assignmentsChanged: 0,
    changes: [],
  };
  if (problems.length > 0) return result;
  if (dryRun) {
    const plan = await planImport(db, rows);
    return { ...result, ...plan.counts, problems: plan.problems, changes: describePlan(plan) };
  }
  // The plan is made inside the transaction, after taking the import lock, so two imports never interleave.
  return db.$transaction(
    async (tx) => {
      const plan = await planImport(tx, rows, { lock: true });
      if (plan.problems.length === 0) await applyPlan(tx, plan, actorLabel);
      return { ...result, ...plan.counts, problems: plan.problems, changes: describePlan(plan) };
    },
    { timeout: 30 * 60_000, maxWait: 60_000 },
  );
}
