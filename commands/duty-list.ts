// What 我的, 单位, 临期 and 逾期 share: loading open assignments with their next duty (domain/duties.ts, with the
// database filter built from the same rules), hiding 不予公开 cases this chat may not see, and rendering one page.
import { caseTitle, chineseDate, dueMarkdown, escapeMarkdown, fitStream, paginate } from "../bot/render.ts";
import { type GroupChat, Prisma, plainRows } from "../db/client.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import { compareDuties, DUTY_RULES, type Duty, type DutyRule, nextDuty } from "../domain/duties.ts";
import {
  type AssignmentRole,
  type AssignmentState,
  type CaseKind,
  type Disclosure,
  ROLE_LABEL,
} from "../domain/labels.ts";
import { seesAllUnits, seesRestrictedCase } from "./access.ts";
import type { CommandContext, Member } from "./command.ts";

export const PAGE_SIZE = 20;

/** Which deadlines to list: all open duties, those due before a day (逾期), or those due in [from, before). */
export interface DeadlineWindow {
  from?: CalendarDate;
  before?: CalendarDate;
}

/**
 * The database's half of nextDuty, over `"Assignment" a`: one branch per duty rule, so "open" cannot mean two things.
 * With a window, only duties whose deadline falls in it.
 */
export function openDutySql(window: DeadlineWindow = {}): Prisma.Sql {
  const branches = DUTY_RULES.map((rule) => {
    const field = Prisma.raw(`a."${rule.field}"`);
    const parts = [Prisma.raw(dutyRuleSql(rule))];
    if (window.from) parts.push(Prisma.sql`${field} >= ${window.from}::date`);
    if (window.before) parts.push(Prisma.sql`${field} < ${window.before}::date`);
    return Prisma.sql`(${Prisma.join(parts, " AND ")})`;
  });
  return Prisma.sql`(${Prisma.join(branches, " OR ")})`;
}

/**
 * One rule's own condition on `"Assignment" a`, as nextDuty reads it: the state, the roles, and for a rule that needs
 * its deadline (公开) that deadline set and not yet done. Every query of open duties (these lists, the scheduler's
 * reminder slots) builds on it.
 */
export function dutyRuleSql(rule: DutyRule): string {
  const parts = [`a."state" = '${rule.state}'`];
  if (rule.roles) parts.push(`a."role" IN (${rule.roles.map((r) => `'${r}'`).join(", ")})`);
  if (rule.needsDeadline) parts.push(`a."${rule.field}" IS NOT NULL AND a."publishedOn" IS NULL`);
  return parts.join(" AND ");
}

interface DutyRow {
  id: number;
  unitId: number;
  role: AssignmentRole;
  state: AssignmentState;
  // Days as the database keeps them ("2024-03-15"), which is what nextDuty compares.
  signDeadline: CalendarDate;
  opinionDeadline: CalendarDate | null;
  replyDeadline: CalendarDate | null;
  rehandleDeadline: CalendarDate | null;
  publishDeadline: CalendarDate | null;
  publishedOn: CalendarDate | null;
  unit: { name: string };
  handler: { name: string } | null;
  case: {
    kind: CaseKind;
    number: string;
    title: string;
    disclosure: Disclosure;
    session: { name: string };
    /** Units of a 不予公开 case still on it (not 调整 away), for who may see it; empty for any other case. */
    unitIds: number[];
  };
}

type RawDutyRow = Omit<DutyRow, "unit" | "handler" | "case"> & {
  unitName: string;
  handlerName: string | null;
  kind: CaseKind;
  number: string;
  title: string;
  disclosure: Disclosure;
  sessionName: string;
  /** Null unless the case is 不予公开. */
  caseUnitIds: number[] | null;
};

export interface OpenDuty {
  row: DutyRow;
  duty: Duty;
  /** False for a 不予公开 case this asker may not see in this chat: counted, never listed. */
  visible: boolean;
}

const ofUnits = (unitIds: number[] | null) =>
  unitIds ? Prisma.sql`AND a."unitId" IN (${Prisma.join(unitIds)})` : Prisma.empty;

/** How many open duties of the given units (all when null) have their deadline in the window. */
export async function countOpenDuties(
  db: CommandContext["db"],
  unitIds: number[] | null,
  window: DeadlineWindow,
): Promise<number> {
  if (unitIds?.length === 0) return 0;
  const query = Prisma.sql`SELECT count(*)::int AS "count" FROM "Assignment" a
    WHERE ${openDutySql(window)} ${ofUnits(unitIds)}`;
  const [row] = await plainRows<{ count: number }>(db, query.text, query.values);
  return row?.count ?? 0;
}

/**
 * Open assignments of the given units (all units when null) with their next duty, soonest deadline first. One query
 * (the unit's open assignments by index, each with its case, session, handler and the case's units).
 */
export async function loadOpenDuties(
  ctx: Pick<CommandContext, "db" | "member" | "chat" | "message">,
  unitIds: number[] | null,
  window: DeadlineWindow = {},
): Promise<OpenDuty[]> {
  if (unitIds?.length === 0) return [];
  const units = ofUnits(unitIds);
  // All rows as one JSON text, which JSON.parse reads more cheaply than pg parses each field of each row; dates come
  // as "2024-03-15". The handler's name is looked up per row by id: joined, the planner hashed the whole Person table
  // for a few dozen rows. A case's units matter only for a 不予公开 case (who may see it), so only those are read.
  const query = Prisma.sql`
    SELECT COALESCE(json_agg(t), '[]')::text AS "rows" FROM (
      SELECT a."id", a."unitId", a."role", a."state",
        a."signDeadline", a."opinionDeadline", a."replyDeadline", a."rehandleDeadline", a."publishDeadline",
        a."publishedOn",
        u."name" AS "unitName", (SELECT h."name" FROM "Person" h WHERE h."id" = a."handlerId") AS "handlerName",
        c."kind", c."number", c."title", c."disclosure", s."name" AS "sessionName",
        CASE WHEN c."disclosure" = 'NOT_PUBLIC' THEN ARRAY(SELECT b."unitId" FROM "Assignment" b
          WHERE b."caseId" = a."caseId" AND b."state" <> 'WITHDRAWN') END AS "caseUnitIds"
      FROM "Assignment" a
        JOIN "Unit" u ON u."id" = a."unitId"
        JOIN "Case" c ON c."id" = a."caseId"
        JOIN "Session" s ON s."id" = c."sessionId"
      WHERE ${openDutySql(window)} ${units}) t`;
  const [result] = await plainRows<{ rows: string }>(ctx.db, query.text, query.values);
  const raw = JSON.parse(result?.rows ?? "[]") as RawDutyRow[];
  const inGroup = ctx.message.chatType === "group";
  const out: OpenDuty[] = [];
  for (const r of raw) {
    const { unitName, handlerName, kind, number, title, disclosure, sessionName, caseUnitIds, ...fields } = r;
    const row: DutyRow = {
      ...fields,
      unit: { name: unitName },
      handler: handlerName === null ? null : { name: handlerName },
      case: { kind, number, title, disclosure, session: { name: sessionName }, unitIds: caseUnitIds ?? [] },
    };
    const duty = nextDuty(row);
    if (!duty) continue;
    out.push({ row, duty, visible: mayShow(row, ctx.member, ctx.chat, inGroup) });
  }
  return out.sort((a, b) => compareDuties(a.duty, b.duty) || a.row.id - b.row.id);
}

function mayShow(row: DutyRow, member: Member, chat: GroupChat | null, inGroup: boolean): boolean {
  if (row.case.disclosure !== "NOT_PUBLIC") return true;
  return seesRestrictedCase(member, chat, inGroup, row.case.unitIds);
}

/** One line: the case, the role, what is owed by when and how long is left. */
export function dutyLine(item: OpenDuty, today: CalendarDate): string {
  const { row, duty } = item;
  const who = row.handler ? `，承办人${escapeMarkdown(row.handler.name)}` : "";
  const when = duty.deadline
    ? `${chineseDate(duty.deadline)}前${duty.label}（${dueMarkdown(duty.deadline, today)}）`
    : `待${duty.label}（未设期限）`;
  return `- ${caseTitle(row.case)}：${ROLE_LABEL[row.role]}${who}，${when}`;
}

/** "另有2件不予公开的案件未列出，请在单聊或本单位群中查询。" */
export function hiddenNote(items: OpenDuty[]): string {
  const hidden = items.filter((i) => !i.visible).length;
  return hidden ? `另有${hidden}件不予公开的案件未列出，请在单聊或本单位群中查询。` : "";
}

/**
 * Lines grouped by unit: units in the order of their most pressing duty, each unit's duties soonest (most
 * overdue) first; paged by duty, with each unit's heading repeated on the page where its duties continue.
 */
export function groupedPage(items: OpenDuty[], today: CalendarDate, page: number, command: string) {
  const byUnit = new Map<number, OpenDuty[]>();
  for (const item of items) {
    const list = byUnit.get(item.row.unitId) ?? [];
    list.push(item);
    byUnit.set(item.row.unitId, list);
  }
  // `items` is already soonest first, so Map insertion order is each unit's most pressing duty.
  const ordered = [...byUnit.values()].flat();
  const current = paginate(ordered, page, PAGE_SIZE, command);
  const lines: string[] = [];
  let lastUnit: number | null = null;
  for (const item of current.lines) {
    if (item.row.unitId !== lastUnit) {
      lastUnit = item.row.unitId;
      const count = byUnit.get(lastUnit)?.length ?? 0;
      lines.push(`**${escapeMarkdown(item.row.unit.name)}**（${count}件）`);
    }
    lines.push(dutyLine(item, today));
  }
  return { lines, footer: current.footer, page: current.page, pages: current.pages };
}

/** "用法：`临期 [天数]`，例如：`临期 3`" with what was wrong, when known. */
export function usageAnswer(usage: string, example: string, problem?: string): string {
  return `${problem ? `${problem}\n` : ""}用法：\`${usage}\`\n例如：\`${example}\``;
}

/** A page number argument: a positive integer, or undefined for anything else. */
export function parsePage(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return 1;
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 ? n : undefined;
}

/** Who the asker may list: every unit for leaders and the office, else their own unit (or nobody). */
export function listableUnits(member: Member): number[] | null | "none" {
  if (seesAllUnits(member)) return null;
  return member.unitId === null ? "none" : [member.unitId];
}

/** 我的 and 单位: one unit's open duties as a page, with the total and how many are overdue. */
export async function unitDutiesAnswer(
  ctx: CommandContext,
  unit: { id: number; name: string },
  page: number,
  command: string,
  emptyHint = "",
): Promise<string> {
  const items = await loadOpenDuties(ctx, [unit.id]);
  const name = escapeMarkdown(unit.name);
  if (items.length === 0) return `**${name}** 目前没有未办结的任务。${emptyHint}`;
  const current = paginate(
    items.filter((i) => i.visible),
    page,
    PAGE_SIZE,
    command,
  );
  const overdue = items.filter((i) => i.duty.deadline !== null && i.duty.deadline < ctx.today).length;
  const head = `**${name}未办结 ${items.length}件**${overdue ? `，其中逾期${overdue}件` : ""}`;
  const lines = current.lines.map((i) => dutyLine(i, ctx.today));
  return fitStream([head, ...lines, hiddenNote(items), current.footer].filter(Boolean).join("\n"));
}
