// The one module that turns domain values into WeCom Markdown: dates, what is due, case titles, mentions, user text
// made harmless, pages of long lists, and the last guard on the stream's byte limit.
import { type CalendarDate, calendarDaysBetween, workingDaysBetween } from "../domain/calendar.ts";
import { toCalendarDate } from "../domain/duties.ts";
import { CASE_KIND_LABEL, type CaseKind } from "../domain/labels.ts";
import { byteLength, STREAM_MAX_BYTES, splitToFit } from "./limits.ts";

/** A date column (JS Date at UTC midnight) or a CalendarDate, as "YYYY-MM-DD". */
export function calendarDate(d: Date | CalendarDate): CalendarDate {
  return toCalendarDate(d) ?? "";
}

/** "2023-08-31" → "2023年8月31日". */
export function chineseDate(d: Date | CalendarDate): string {
  const [y, m, day] = calendarDate(d).split("-");
  return `${y}年${Number(m)}月${Number(day)}日`;
}

/**
 * "剩3个工作日" / "今天到期" / "逾期2天". Time left is counted in working days, because that is what a unit can
 * still work with; time overdue in calendar days, because that is how reports and leaders count lateness.
 */
export function dueText(deadline: Date | CalendarDate, today: CalendarDate): string {
  const due = calendarDate(deadline);
  const days = calendarDaysBetween(today, due);
  if (days === 0) return "今天到期";
  if (days < 0) return `逾期${-days}天`;
  const working = workingDaysBetween(today, due);
  // A fixed date that falls on a weekend or holiday with no working day before it: say the calendar days.
  return working > 0 ? `剩${working}个工作日` : `剩${days}天`;
}

/** dueText in bold when it needs attention now (today or overdue), for lists and case views. */
export function dueMarkdown(deadline: Date | CalendarDate, today: CalendarDate): string {
  const text = dueText(deadline, today);
  return text.startsWith("逾期") || text === "今天到期" ? `**${text}**` : text;
}

export interface CaseNaming {
  kind: CaseKind;
  number: string;
  title: string;
  session: { name: string };
}

/** 届次 + 编号 + 类型 without the title: "市政协五届二次会议第205号提案" (for 不予公开 cases in shared places). */
export function caseLabel(c: Omit<CaseNaming, "title">): string {
  return `${escapeMarkdown(c.session.name)}第${c.number}号${CASE_KIND_LABEL[c.kind]}`;
}

/** "市政协五届二次会议第205号提案《关于…的提案》"; a title already wrapped in 《》 is not wrapped twice. */
export function caseTitle(c: CaseNaming): string {
  const title = escapeMarkdown(c.title).replace(/^《(.*)》$/, "$1");
  return `${caseLabel(c)}《${title}》`;
}

/** A WeCom mention; anything that could close the tag early is dropped from the userid. */
export function mention(userid: string): string {
  return `<@${userid.replace(/[<>\s]/g, "")}>`;
}

/** Markdown's inline marks and their full-width twins; commands/text.ts reads typed text with the same table. */
export const FULL_WIDTH: Record<string, string> = {
  "<": "＜",
  ">": "＞",
  "[": "［",
  "]": "］",
  "`": "｀",
  "*": "＊",
  "&": "＆",
};
/** Marks that mean something only at the start of a line: heading, list, setext underline. */
const LINE_START: Record<string, string> = { "#": "＃", "-": "－", "+": "＋", "=": "＝" };

/**
 * User-supplied text (notes, titles, names, reasons) made inert inside one line of our Markdown: no mention
 * (`<@…>`) or `<font>` tag, no link, no code span or bold, no heading or quote or list at its start, no new line.
 * The characters become their full-width twins, so what people wrote still reads the same.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\t\u2028\u2029]+/g, " ")
    .replace(/[<>[\]`*&]/g, (ch) => FULL_WIDTH[ch] ?? ch)
    .replace(/^(\s*)([#+\-=])/, (_, space: string, mark: string) => space + (LINE_START[mark] ?? mark))
    .replace(/^(\s*\d+)\.(\s)/, "$1．$2");
}

export interface Page<T> {
  lines: T[];
  page: number;
  pages: number;
  /** "第1/3页，发送「逾期 2」看下一页"; empty when everything fits on one page. */
  footer: string;
}

/**
 * One page of a long list. `command` is what the asker sends for another page, without the page number
 * ("逾期", "临期 3", "单位 市发改委"). A page past the end shows the last one and says so.
 */
export function paginate<T>(lines: readonly T[], page: number, pageSize: number, command: string): Page<T> {
  const pages = Math.max(1, Math.ceil(lines.length / pageSize));
  const current = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
  const slice = lines.slice((current - 1) * pageSize, current * pageSize);
  let footer = "";
  if (page > pages)
    footer = pages > 1 ? `没有第${page}页：共${pages}页，以上是最后一页。` : `没有第${page}页：只有1页，以上是全部。`;
  else if (pages > 1) {
    footer =
      current < pages
        ? `第${current}/${pages}页，发送「${command} ${current + 1}」看下一页`
        : `第${current}/${pages}页（最后一页），发送「${command} 1」回到第一页`;
  }
  return { lines: slice, page: current, pages, footer };
}

const CUT_NOTE = "\n……（内容过长，已截断）";

/** The last guard before sending: whole lines up to STREAM_MAX_BYTES, and a note when something was cut. */
export function fitStream(markdown: string): string {
  if (byteLength(markdown) <= STREAM_MAX_BYTES) return markdown;
  const [head = ""] = splitToFit(markdown, STREAM_MAX_BYTES - byteLength(CUT_NOTE));
  return head + CUT_NOTE;
}

/** A mainland mobile number, alone or after +86, written whole or as 138 1234 5678 / 138-1234-5678. */
const MOBILE = /(?<!\d)((?:\+?86[\s-]?)?1[3-9]\d)([\s-]?)(\d{4})([\s-]?)(\d{4})(?!\d)/g;

/**
 * Mobile numbers shown as 138****5678, for answers read in a group (proposers write theirs into case texts).
 * Mentions are left alone: a userid that looks like a number must still reach its person.
 */
export function maskPhoneNumbers(markdown: string): string {
  return markdown
    .split(/(<@[^>]*>)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(
            MOBILE,
            (_, head: string, s1: string, _mid, s2: string, tail: string) => `${head}${s1}****${s2}${tail}`,
          ),
    )
    .join("");
}
