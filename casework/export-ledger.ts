// The 台账 (ledger): one row per assignment, the sheet offices keep and hand to leaders; and the empty 交办清单
// template with one real example row.
import type { Db } from "../db/client.ts";
import {
  type AssignmentRole,
  type AssignmentState,
  CASE_KIND_LABEL,
  type CaseKind,
  DISCLOSURE_LABEL,
  type Disclosure,
  RATING_LABEL,
  type Rating,
  ROLE_LABEL,
  STATE_LABEL,
} from "../domain/labels.ts";
import { CASE_LIST_COLUMNS } from "./import-cases.ts";
import { type CellInput, writeWorkbook } from "./spreadsheet.ts";

export const LEDGER_COLUMNS: { header: string; width: number }[] = [
  { header: "类型", width: 8 },
  { header: "届次", width: 24 },
  { header: "编号", width: 10 },
  { header: "标题", width: 50 },
  { header: "提出人", width: 18 },
  { header: "单位", width: 24 },
  { header: "承办方式", width: 10 },
  { header: "状态", width: 12 },
  { header: "承办人", width: 10 },
  { header: "交办日期", width: 12 },
  { header: "签收期限", width: 12 },
  { header: "办理期限", width: 12 },
  { header: "答复日期", width: 12 },
  { header: "答复类别", width: 10 },
  { header: "满意度", width: 10 },
  { header: "公开属性", width: 12 },
  { header: "重点", width: 6 },
];

interface LedgerRow {
  id: number;
  kind: CaseKind;
  session: string;
  number: string;
  title: string;
  proposers: string[];
  unit: string;
  role: AssignmentRole;
  state: AssignmentState;
  handler: string | null;
  assignedOn: Date;
  signDeadline: Date;
  due: Date | null;
  repliedOn: Date | null;
  replyClass: string | null;
  rating: Rating | null;
  disclosure: Disclosure;
  isPriority: boolean;
}

// Details are read this many assignments at a time, so a ledger of 500,000 rows never sits in memory at once.
const PAGE = 5000;

async function* ledgerRows(db: Db): AsyncGenerator<CellInput[]> {
  // The order people expect: by session, kind, then case number as a number ("0095" before "205"), 主办 first.
  const order = await db.$queryRawUnsafe<{ id: number }[]>(
    `SELECT a."id" FROM "Assignment" a
       JOIN "Case" c ON c."id" = a."caseId" JOIN "Session" s ON s."id" = c."sessionId"
     ORDER BY s."year", s."name", c."kind",
       CASE WHEN c."number" ~ '^[0-9]+$' THEN c."number"::numeric END NULLS LAST, c."number", a."role", a."unitId"`,
  );
  for (let i = 0; i < order.length; i += PAGE) {
    const ids = order.slice(i, i + PAGE).map((r) => r.id);
    const rows = await db.$queryRawUnsafe<LedgerRow[]>(
      `SELECT a."id", c."kind", s."name" AS "session", c."number", c."title", c."proposers", u."name" AS "unit",
         a."role", a."state", p."name" AS "handler", c."assignedOn", a."signDeadline",
         coalesce(a."replyDeadline", a."opinionDeadline") AS "due", a."repliedOn", a."replyClass",
         (SELECT f."rating" FROM "Feedback" f WHERE f."assignmentId" = a."id" ORDER BY f."round" DESC LIMIT 1)
           AS "rating",
         c."disclosure", c."isPriority"
       FROM "Assignment" a
         JOIN "Case" c ON c."id" = a."caseId" JOIN "Session" s ON s."id" = c."sessionId"
         JOIN "Unit" u ON u."id" = a."unitId" LEFT JOIN "Person" p ON p."id" = a."handlerId"
       WHERE a."id" = ANY($1::int[])`,
      ids,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const r = byId.get(id);
      if (!r) continue;
      yield [
        CASE_KIND_LABEL[r.kind],
        r.session,
        r.number,
        r.title,
        r.proposers.join("、"),
        r.unit,
        ROLE_LABEL[r.role],
        STATE_LABEL[r.state],
        r.handler,
        r.assignedOn,
        r.signDeadline,
        r.due,
        r.repliedOn,
        r.replyClass,
        r.rating ? RATING_LABEL[r.rating] : null,
        DISCLOSURE_LABEL[r.disclosure],
        r.isPriority ? "是" : "否",
      ];
    }
  }
}

/** Writes the 台账 of every case and assignment to `path`; returns the number of rows written. */
export async function exportLedger(db: Db, path: string): Promise<number> {
  let count = 0;
  async function* counted() {
    for await (const row of ledgerRows(db)) {
      count++;
      yield row;
    }
  }
  await writeWorkbook(path, [{ name: "台账", columns: LEDGER_COLUMNS, rows: counted(), freezeHeader: true }]);
  return count;
}

/** The example row: a real case from the seeds (安康市, 市政协五届二次会议 第205号提案, answered as A类, 公开). */
export const TEMPLATE_EXAMPLE: Record<(typeof CASE_LIST_COLUMNS)[number], CellInput> = {
  类型: "提案",
  届次: "市政协五届二次会议",
  编号: "205",
  标题: "关于推动我市招商引资工作高质量发展的提案",
  提出人: "刘定东",
  主办单位: "市招商和经济合作局",
  分办单位: "",
  会办单位: "市行政审批局",
  协办单位: "",
  重点: "否",
  公开属性: "主动公开",
  交办日期: new Date(Date.UTC(2023, 2, 31)),
  答复期限: "",
  会办期限: "",
};

const WIDTHS: Partial<Record<(typeof CASE_LIST_COLUMNS)[number], number>> = {
  届次: 24,
  标题: 50,
  提出人: 18,
  主办单位: 22,
  分办单位: 22,
  会办单位: 22,
  协办单位: 22,
};

const NOTES = [
  "交办清单填写说明",
  "1. 第一行是表头，列的顺序可以调整，多余的列会被忽略。必填列：类型、届次、编号、标题、主办单位、交办日期。",
  "2. 类型：建议 / 提案 / 议案。届次：如 市政协五届二次会议；系统中还没有的届次会自动建立。",
  "3. 编号按原样保存，0484 仍是 0484（编号列已设为文本格式）。同一类型、届次下编号不能重复。",
  "4. 提出人、各单位列可填多个，用顿号（、）或逗号分隔。单位可写全称或简称，须是已导入的单位。",
  "5. 每件至少要有一个主办或分办单位；同一单位在一件中只能有一种承办方式。",
  "6. 重点：是 / 否（空白为否）。公开属性：主动公开 / 依申请公开 / 不予公开（空白为主动公开）。",
  "7. 交办日期写成 2023-08-31、2023/8/31 或 2023年8月31日。答复期限、会办期限可不填，不填则按本届次的期限规定计算。",
  "8. 再次导入同一清单会更新已有的件，不会重复建立；增加、删除单位或改变承办方式会通知相关单位。",
];

/** Writes an empty 交办清单: the header row, one example row, and a sheet of instructions. */
export async function writeTemplate(path: string): Promise<void> {
  await writeWorkbook(path, [
    {
      name: "交办清单",
      columns: CASE_LIST_COLUMNS.map((header) => ({
        header,
        width: WIDTHS[header] ?? 12,
        ...(header === "编号" ? { numFmt: "@" } : {}),
      })),
      rows: [CASE_LIST_COLUMNS.map((c) => TEMPLATE_EXAMPLE[c])],
      freezeHeader: true,
    },
    { name: "填写说明", columns: [{ header: NOTES[0] ?? "", width: 120 }], rows: NOTES.slice(1).map((n) => [n]) },
  ]);
}
