// The session's deadline policy: defaults from the spec, layered with overrides stored as JSON.
import { z } from "zod";
import { addCalendarDays, addMonths, type CalendarDate, isCalendarDate, parseCalendarDate } from "./calendar.ts";

export type Span =
  | { workingDays: number }
  | { days: number }
  | { months: number }
  | { date: CalendarDate } // one fixed date for the whole batch, e.g. all replies by 2023-08-31
  | { monthDay: string }; // "MM-DD" in the start date's year, or the next year if already past

export interface DeadlinePolicy {
  signFor: Span;
  adjustWindow: Span;
  opinion: Span;
  reply: Span;
  extensionCap: Span;
  rehandle: Span;
  publish: Span;
  followUp: Span;
  rollToWorkingDay: boolean;
  replyClasses: string[];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export const DEFAULT_POLICY: DeadlinePolicy = deepFreeze({
  signFor: { workingDays: 3 },
  adjustWindow: { workingDays: 5 },
  opinion: { months: 1 },
  reply: { months: 3 },
  extensionCap: { months: 6 },
  rehandle: { months: 1 },
  publish: { workingDays: 20 },
  followUp: { monthDay: "12-31" },
  rollToWorkingDay: true,
  replyClasses: ["A", "B", "C"],
} satisfies DeadlinePolicy);

const KEY_LABELS: Record<keyof DeadlinePolicy, string> = {
  signFor: "签收期限",
  adjustWindow: "调整/退回申请期限",
  opinion: "会办/协办意见期限",
  reply: "答复期限",
  extensionCap: "延期上限",
  rehandle: "重新办理期限",
  publish: "公开期限",
  followUp: "续办期限",
  rollToWorkingDay: "遇节假日顺延",
  replyClasses: "答复类别",
};

/** "MM-DD" of a day that exists in some year (02-29 is allowed; it clamps to 02-28 in common years). */
export function isMonthDay(s: string): boolean {
  const m = /^(\d{2})-(\d{2})$/.exec(s);
  return !!m && isCalendarDate(`2024-${m[1]}-${m[2]}`);
}

const count = (max: number) => z.number().int().min(0).max(max);

export const spanSchema: z.ZodType<Span> = z.union(
  [
    z.strictObject({ workingDays: count(1000) }),
    z.strictObject({ days: count(3660) }),
    z.strictObject({ months: count(120) }),
    z.strictObject({ date: z.string().refine(isCalendarDate, "expected a real date YYYY-MM-DD") }),
    z.strictObject({ monthDay: z.string().refine(isMonthDay, 'expected "MM-DD"') }),
  ],
  { error: "expected {workingDays: n}, {days: n}, {months: n}, {date: 'YYYY-MM-DD'} or {monthDay: 'MM-DD'}" },
);

const replyClass = z
  .string()
  .trim()
  .min(1)
  .max(16)
  .refine((s) => !/\s/.test(s), "no spaces");

export const deadlinePolicySchema = z.strictObject({
  signFor: spanSchema.optional(),
  adjustWindow: spanSchema.optional(),
  opinion: spanSchema.optional(),
  reply: spanSchema.optional(),
  extensionCap: spanSchema.optional(),
  rehandle: spanSchema.optional(),
  publish: spanSchema.optional(),
  followUp: spanSchema.optional(),
  rollToWorkingDay: z.boolean().optional(),
  replyClasses: z
    .array(replyClass)
    .min(1)
    .refine((a) => new Set(a).size === a.length, "classes must be unique")
    .optional(),
});

export type DeadlinePolicyOverride = z.infer<typeof deadlinePolicySchema>;

function describeIssue(issue: z.core.$ZodIssue): string {
  const label = (key: string) => {
    const zh = KEY_LABELS[key as keyof DeadlinePolicy];
    return zh ? `${key} (${zh})` : key;
  };
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => label(k)).join(", ");
    return issue.path.length === 0 ? `未知设置项 (unknown key): ${keys}` : `${issue.path.join(".")}: 未知字段 ${keys}`;
  }
  const [head, ...rest] = issue.path.map(String);
  const where = head === undefined ? "(root)" : [label(head), ...rest].join(".");
  return `${where}: ${issue.message}`;
}

/** Defaults, then each override (null/undefined = none) layered on in order; throws naming the bad key. */
export function resolvePolicy(...overrides: unknown[]): DeadlinePolicy {
  let policy: DeadlinePolicy = { ...DEFAULT_POLICY, replyClasses: [...DEFAULT_POLICY.replyClasses] };
  overrides.forEach((raw, i) => {
    if (raw === null || raw === undefined) return;
    const parsed = deadlinePolicySchema.safeParse(raw);
    if (!parsed.success) {
      const details = parsed.error.issues.map(describeIssue).join("; ");
      const which = overrides.length > 1 ? ` #${i + 1}` : "";
      throw new Error(`办理期限设置无效 (invalid deadline policy override${which}): ${details}`);
    }
    const defined = Object.entries(parsed.data).filter(([, v]) => v !== undefined);
    policy = { ...policy, ...Object.fromEntries(defined) };
  });
  return policy;
}

const cnDigit = (c: string) => (c === "两" ? 2 : "零一二三四五六七八九".indexOf(c));

/** "15", "十五", "二十", "三" → number; up to 99 in Chinese numerals. */
function parseCount(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^([一二两三四五六七八九])?(十)?([一二三四五六七八九])?$/.exec(s);
  if (!m) return null;
  const [, tens, ten, ones] = m;
  if (!ten) return tens && !ones ? cnDigit(tens) : null;
  return (tens ? cnDigit(tens) : 1) * 10 + (ones ? cnDigit(ones) : 0);
}

const UNITS: [RegExp, (n: number) => Span][] = [
  [/^(?:个)?工作日$|^(?:working|business)\s*days?$/i, (n) => ({ workingDays: n })],
  [/^个月$|^months?$/i, (n) => ({ months: n })],
  [/^(?:天|日|个自然日|自然日)$|^(?:calendar\s*)?days?$/i, (n) => ({ days: n })],
  [/^(?:周|个?星期|个?礼拜)$|^weeks?$/i, (n) => ({ days: 7 * n })],
];

const lastDayOfMonth = (month: number) => [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
const pad = (n: number | string) => String(n).padStart(2, "0");

const SPAN_HINT =
  '(expected e.g. "3个工作日", "5 working days", "1个月", "3 months", "15天", "2023-08-31", "2023年8月31日", "8月31日", "08-31")';

/** Parses a span as an administrator writes it; throws a bilingual error otherwise. */
export function parseSpan(text: string): Span {
  const fail = (why = ""): never => {
    throw new Error(`无法识别的期限 ${JSON.stringify(text)}${why} ${SPAN_HINT}`);
  };
  const t = text
    .trim()
    .replace(/^(?:交办|答复|反馈|收到)(?:之)?后\s*/, "")
    .replace(/\s*(?:之|以)?(?:前|内)$/, "")
    .trim();

  // A full date: 2023-08-31, 2023/8/31, 2023年8月31日, or 2023年8月底 (month end).
  const yearMonthEnd = /^(\d{4})\s*(?:年|-|\/)\s*(\d{1,2})\s*月?\s*(?:底|末)$/.exec(t);
  if (yearMonthEnd) {
    const [y, mo] = [Number(yearMonthEnd[1]), Number(yearMonthEnd[2])];
    if (mo < 1 || mo > 12) fail(": 月份无效 (bad month)");
    return { date: addCalendarDays(addMonths(`${y}-${pad(mo)}-01`, 1), -1) };
  }
  if (/^\d{4}\s*(?:年|-|\/|\.)/.test(t)) {
    try {
      return { date: parseCalendarDate(t) };
    } catch {
      return fail(": 日期不存在或格式有误 (no such date)");
    }
  }

  // A day of the year: 8月31日, 08-31, 8月底, 年底.
  if (/^(?:年底|年末|year[\s-]*end|end of (?:the )?year)$/i.test(t)) return { monthDay: "12-31" };
  const monthEnd = /^(\d{1,2})\s*月\s*(?:底|末)$/.exec(t);
  if (monthEnd) {
    const last = lastDayOfMonth(Number(monthEnd[1]));
    if (last === undefined) fail(": 月份无效 (bad month)");
    return { monthDay: `${pad(Number(monthEnd[1]))}-${pad(last ?? 0)}` };
  }
  const md = /^(\d{1,2})\s*(?:月|-|\/)\s*(\d{1,2})\s*(?:日|号)?$/.exec(t);
  if (md) {
    const monthDay = `${pad(md[1] ?? "")}-${pad(md[2] ?? "")}`;
    if (!isMonthDay(monthDay)) fail(": 日期不存在 (no such day)");
    return { monthDay };
  }

  // A count with a unit: 3个工作日, 5 working days, 1个月, 3 months, 15天, 十五日, 一周.
  const cm = /^(\d+|[零一二两三四五六七八九十]+)\s*(.+)$/.exec(t);
  const n = cm ? parseCount(cm[1] ?? "") : null;
  const unit = cm?.[2]?.trim() ?? "";
  if (n === null) return fail();
  for (const [re, make] of UNITS) {
    if (re.test(unit)) {
      const span = make(n);
      const checked = spanSchema.safeParse(span);
      if (!checked.success) fail(`: ${checked.error.issues[0]?.message ?? "out of range"}`);
      return span;
    }
  }
  return fail();
}
