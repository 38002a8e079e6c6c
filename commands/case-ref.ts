// Case references as people type them (205, 第205号, 提案205, 205号提案, 第0484号建议, 市政协五届二次会议205), and
// finding the one case meant — or saying which ones were, or that none is, without revealing a 不予公开 case.
import { caseLabel, caseTitle } from "../bot/render.ts";
import { type Db, type GroupChat, type Prisma, plainRows } from "../db/client.ts";
import { CASE_KIND_LABEL, type CaseKind, codeOf } from "../domain/labels.ts";
import { seesRestrictedCase } from "./access.ts";
import type { Member } from "./command.ts";
import { normalise } from "./text.ts";

export interface CaseRef {
  /** Digits as written, leading zeros kept ("0484"). */
  number: string;
  kind?: CaseKind;
  /** A session's name or part of it, e.g. "市政协五届二次会议". */
  session?: string;
}

const KIND = "建议|提案|议案";
// Session names end in 会议 (市政协五届二次会议, 县十八届人大一次会议). Numbers stop at 6 digits so that a date
// such as 20240930 is never read as a case.
const REF_RE = new RegExp(
  `^(?:([\\u4e00-\\u9fff0-9]{2,}?会议)\\s*)?(?:(${KIND})\\s*)?(?:第\\s*)?(\\d{1,6})(?:\\s*号)?(?:\\s*(${KIND}))?$`,
);

/** The reference the whole text is, or null. Full-width digits and stray spaces are fine. */
export function parseCaseRef(text: string): CaseRef | null {
  const m = REF_RE.exec(normalise(text));
  if (!m) return null;
  const [, session, kindBefore, number, kindAfter] = m;
  if (!number || /^0+$/.test(number)) return null;
  if (kindBefore && kindAfter) return null; // 提案205号建议: two kinds, neither can be trusted
  const kindText = kindBefore ?? kindAfter;
  const ref: CaseRef = { number };
  const kind = kindText ? codeOf(CASE_KIND_LABEL, kindText) : undefined;
  if (kind) ref.kind = kind;
  if (session) ref.session = session;
  return ref;
}

/** Most words a reference spreads over when typed with spaces: 市政协五届二次会议 第205号 提案. */
const MAX_REF_WORDS = 4;

/**
 * The reference at the start of a command's arguments and the text after it: `205 A 张三` gives 205 and "A 张三".
 * The longest leading run of words that reads as one reference wins, so `205 号提案 理由` keeps 号提案 with it.
 */
export function takeCaseRef(args: string): { ref: CaseRef | null; rest: string } {
  const words = normalise(args).split(" ").filter(Boolean);
  for (let n = Math.min(MAX_REF_WORDS, words.length); n >= 1; n--) {
    const ref = parseCaseRef(words.slice(0, n).join(" "));
    if (ref) return { ref, rest: words.slice(n).join(" ") };
  }
  return { ref: null, rest: words.join(" ") };
}

const CASE_INCLUDE = {
  session: true,
  assignments: { include: { unit: true, handler: true }, orderBy: [{ role: "asc" }, { id: "asc" }] },
} satisfies Prisma.CaseInclude;

export type CaseWithAssignments = Prisma.CaseGetPayload<{ include: typeof CASE_INCLUDE }>;

export type CaseLookup =
  | { status: "found"; case: CaseWithAssignments }
  | { status: "ambiguous"; message: string }
  | { status: "missing"; message: string };

const DAY_FIELDS = {
  case: ["assignedOn", "createdAt", "updatedAt"],
  session: ["createdAt", "updatedAt"],
  assignment: [
    ...["signedAt", "signDeadline", "adjustDeadline", "opinionDeadline", "replyDeadline", "extensionCap"],
    ...["rehandleDeadline", "publishDeadline", "followUpDeadline", "opinionSentOn", "repliedOn", "publishedOn"],
    ...["closedOn", "createdAt", "updatedAt"],
  ],
  unitOrPerson: ["createdAt", "updatedAt"],
};

/** Dates and timestamps arrive from to_jsonb as ISO text ("2026-03-01", "…T08:00:00.000+00:00"). */
function withDates(row: Record<string, unknown> | null, fields: string[]): void {
  if (!row) return;
  for (const f of fields) if (typeof row[f] === "string") row[f] = new Date(row[f]);
}

/**
 * The cases with this number's value, narrowed by kind and by a part of the session's name, each with its session
 * and its assignments (with unit and handler) — the shape of CASE_INCLUDE, in one query rather than one per relation.
 * Newest session first: the likelier meaning of a bare number, and the example offered.
 */
async function loadCases(
  db: Db,
  number: string,
  where: { kind?: CaseKind; session?: string },
): Promise<CaseWithAssignments[]> {
  const numbers = sameValueNumbers(number);
  // The values hidden from the planner (db/client.ts, plainRows): the lookup by number is the plan for any of them.
  const values: unknown[] = [numbers];
  const kind = where.kind ? `AND c."kind"::text = (SELECT $${values.push(where.kind)}::text)` : "";
  const session = where.session ? `AND strpos(s."name", (SELECT $${values.push(where.session)}::text)) > 0` : "";
  const rows = await plainRows<{ found: string }>(
    db,
    `SELECT (to_jsonb(c) || jsonb_build_object('session', to_jsonb(s), 'assignments', COALESCE(
      (SELECT jsonb_agg(to_jsonb(a) || jsonb_build_object(
            'unit', (SELECT to_jsonb(u) FROM "Unit" u WHERE u."id" = a."unitId"),
            'handler', (SELECT to_jsonb(h) FROM "Person" h WHERE h."id" = a."handlerId"))
          ORDER BY a."role", a."id")
        FROM "Assignment" a WHERE a."caseId" = c."id"), '[]'::jsonb)))::text AS "found"
    FROM "Case" c JOIN "Session" s ON s."id" = c."sessionId"
    WHERE c."number" = ANY((SELECT $1::text[])::text[]) ${kind} ${session}
    ORDER BY s."year" DESC, c."sessionId" DESC, c."kind", c."number"`,
    values,
  );
  return rows.map(({ found }) => {
    const c = JSON.parse(found) as Record<string, unknown> & {
      session: Record<string, unknown>;
      assignments: (Record<string, unknown> & {
        unit: Record<string, unknown>;
        handler: Record<string, unknown> | null;
      })[];
    };
    withDates(c, DAY_FIELDS.case);
    withDates(c.session, DAY_FIELDS.session);
    for (const a of c.assignments) {
      withDates(a, DAY_FIELDS.assignment);
      withDates(a.unit, DAY_FIELDS.unitOrPerson);
      withDates(a.handler, DAY_FIELDS.unitOrPerson);
    }
    return c as unknown as CaseWithAssignments;
  });
}

/** "205" → ["205", "0205", "00205", …]: the stored numbers with the same value, for an indexed lookup. */
function sameValueNumbers(number: string): string[] {
  const bare = number.replace(/^0+/, "") || "0";
  const out: string[] = [];
  for (let zeros = 0; bare.length + zeros <= 8; zeros++) out.push("0".repeat(zeros) + bare);
  return out;
}

function describe(ref: CaseRef): string {
  return `${ref.session ?? ""}第${ref.number}号${ref.kind ? CASE_KIND_LABEL[ref.kind] : ""}`;
}

function unitIdsOf(c: CaseWithAssignments): number[] {
  return c.assignments.filter((a) => a.state !== "WITHDRAWN").map((a) => a.unitId);
}

const MAX_LISTED = 10;

function candidateList(cases: CaseWithAssignments[]): string {
  const lines = cases.slice(0, MAX_LISTED).map((c) => {
    // Only cases the asker may see reach this list; a 不予公开 title still stays out of a list of candidates.
    return `- ${c.disclosure === "NOT_PUBLIC" ? `${caseLabel(c)}（不予公开）` : caseTitle(c)}`;
  });
  if (cases.length > MAX_LISTED) lines.push(`- ……等共${cases.length}件`);
  return lines.join("\n");
}

/**
 * Finds the case a reference means, among those the asker may see. Exact number first, then the same value
 * ("484" finds "0484"); kind and session narrow it. A 不予公开 case the asker may not see (here, in this chat) is
 * treated exactly like one that does not exist.
 */
export async function findCase(
  db: Db,
  ref: CaseRef,
  member: Member,
  chat: GroupChat | null,
  inGroup: boolean,
): Promise<CaseLookup> {
  const load = (where: { kind?: CaseKind; session?: string }) => loadCases(db, ref.number, where);
  const seen = (cases: CaseWithAssignments[]) =>
    cases.filter((c) => c.disclosure !== "NOT_PUBLIC" || seesRestrictedCase(member, chat, inGroup, unitIdsOf(c)));
  const answerFor = (matches: CaseWithAssignments[]): CaseLookup | null => {
    const [first, second] = matches;
    if (first && !second) return { status: "found", case: first };
    if (!first) return null;
    return {
      status: "ambiguous",
      message: [`编号${ref.number}对应${matches.length}件：`, candidateList(matches), pickHint(matches)].join("\n"),
    };
  };
  // Every number recurs in every session: when the kind or session is named, load only the cases that narrow()
  // could keep (the session's name contains what was typed). The whole list is needed only to say what was not found.
  if (ref.kind || ref.session) {
    const answer = answerFor(best(narrow(seen(await load(ref)), ref), ref));
    if (answer) return answer;
  }
  const all = await load({});
  const visible = seen(all);
  const answer = answerFor(best(narrow(visible, ref), ref));
  if (answer) return answer;
  // The asker's own 不予公开 case asked about in a group that others read: say where to ask, not what it is.
  const blockedHere = best(
    narrow(
      all.filter((c) => c.disclosure === "NOT_PUBLIC" && seesRestrictedCase(member, null, false, unitIdsOf(c))),
      ref,
    ),
    ref,
  );
  if (blockedHere.length > 0) {
    return {
      status: "missing",
      message: `该案件不予公开，不能在本群查看。请在与督办助手的单聊中，或在本单位绑定的群里查询。`,
    };
  }
  if (visible.length > 0) {
    return {
      status: "missing",
      message: [`没有找到${describe(ref)}。编号${ref.number}的有：`, candidateList(visible), pickHint(visible)].join(
        "\n",
      ),
    };
  }
  return {
    status: "missing",
    message: `没有找到${describe(ref)}。请核对编号，或写明类型和届次，例如：提案205、市政协五届二次会议205。`,
  };
}

/**
 * A number typed with its leading zeros ("0484") means that case over "484" elsewhere. Typed without them ("142"),
 * it may as well mean "0142": people drop zeros, so every case of that value is a candidate.
 */
function best(cases: CaseWithAssignments[], ref: CaseRef): CaseWithAssignments[] {
  if (!ref.number.startsWith("0")) return cases;
  const exact = cases.filter((c) => c.number === ref.number);
  return exact.length > 0 ? exact : cases;
}

/** How to name one of several candidates: by kind, by session, or by the number as written — whichever differs. */
function pickHint(cases: CaseWithAssignments[]): string {
  const [first] = cases;
  if (!first) return "";
  const hints: string[] = [];
  if (new Set(cases.map((c) => c.kind)).size > 1) hints.push(`${CASE_KIND_LABEL[first.kind]}${first.number}`);
  if (new Set(cases.map((c) => c.sessionId)).size > 1) hints.push(`${first.session.name}${first.number}`);
  if (hints.length === 0) hints.push(`第${first.number}号`);
  return `请写明类型或届次，例如：${hints.join("、")}`;
}

function narrow(cases: CaseWithAssignments[], ref: CaseRef): CaseWithAssignments[] {
  let out = ref.kind ? cases.filter((c) => c.kind === ref.kind) : cases;
  const session = ref.session;
  if (session) {
    const exact = out.filter((c) => c.session.name === session);
    out = exact.length > 0 ? exact : out.filter((c) => c.session.name.includes(session));
  }
  return out;
}
