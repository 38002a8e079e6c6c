// 查 <案>: one case — who handles it, where each unit stands, what is due by when, and what happens next. Public
// facts for every member; the handler, contacts, feedback and requests only for the case's units, leaders and the
// office (access.ts).
import { caseTitle, chineseDate, dueMarkdown, dueText, escapeMarkdown, fitStream } from "../bot/render.ts";
import { type Db, Prisma, plainRows } from "../db/client.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import { nextDuty, toCalendarDate } from "../domain/duties.ts";
import {
  answersProposer,
  CONTACT_FORM_LABEL,
  type ContactForm,
  DISCLOSURE_LABEL,
  RATING_LABEL,
  type Rating,
  ROLE_LABEL,
  STATE_LABEL,
} from "../domain/labels.ts";
import { seesAssignmentDetails } from "./access.ts";
import { type CaseWithAssignments, findCase, parseCaseRef } from "./case-ref.ts";
import type { Command, CommandContext } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";

const USAGE = "查 <案号>";
const EXAMPLE = "查 205号提案";

type Assignment = CaseWithAssignments["assignments"][number];

interface Details {
  id: number;
  contacts: { form: ContactForm }[];
  replies: { round: number; replyClass: string; repliedOn: CalendarDate; signedBy: string | null }[];
  feedback: { round: number; rating: Rating }[];
  requests: { id: number; type: "EXTENSION" | "ADJUSTMENT"; requestedDeadline: CalendarDate | null }[];
  followUps: { dueOn: CalendarDate }[];
}

/** What only the unit, leaders and the office see, loaded for those assignments alone, in one query. */
async function loadDetails(db: Db, ids: number[]): Promise<Map<number, Details>> {
  const query = Prisma.sql`
    SELECT json_agg(t)::text AS "details" FROM (SELECT a."id",
      COALESCE((SELECT json_agg(json_build_object('form', l."form") ORDER BY l."id")
        FROM "ContactLog" l WHERE l."assignmentId" = a."id"), '[]') AS "contacts",
      COALESCE((SELECT json_agg(json_build_object('round', r."round", 'replyClass', r."replyClass",
          'repliedOn', r."repliedOn", 'signedBy', r."signedBy") ORDER BY r."round")
        FROM "Reply" r WHERE r."assignmentId" = a."id"), '[]') AS "replies",
      COALESCE((SELECT json_agg(json_build_object('round', f."round", 'rating', f."rating") ORDER BY f."round")
        FROM "Feedback" f WHERE f."assignmentId" = a."id"), '[]') AS "feedback",
      COALESCE((SELECT json_agg(json_build_object('id', q."id", 'type', q."type",
          'requestedDeadline', q."requestedDeadline") ORDER BY q."id")
        FROM "Request" q WHERE q."assignmentId" = a."id" AND q."status" = 'PENDING'), '[]') AS "requests",
      COALESCE((SELECT json_agg(json_build_object('dueOn', u."dueOn") ORDER BY u."dueOn")
        FROM "FollowUp" u WHERE u."assignmentId" = a."id" AND u."status" = 'OPEN'), '[]') AS "followUps"
    FROM "Assignment" a WHERE a."id" IN (${Prisma.join(ids)})) t`;
  const [result] = await plainRows<{ details: string | null }>(db, query.text, query.values);
  const rows = result?.details ? (JSON.parse(result.details) as Details[]) : [];
  return new Map(rows.map((r) => [r.id, r]));
}

const date = (d: Date | CalendarDate | null) => (d ? chineseDate(toCalendarDate(d) ?? "") : "");

function withDue(label: string, deadline: Date | null, today: CalendarDate, owed: boolean): string {
  const day = toCalendarDate(deadline);
  if (!day) return `${label}：未设`;
  return owed ? `${label}：${chineseDate(day)}（${dueMarkdown(day, today)}）` : `${label}：${chineseDate(day)}`;
}

/** "沟通3次：**面商2次**、电话1次" — 面商 first and in bold, since 面商率 is what gets reported. */
function contactLine(forms: ContactForm[]): string {
  if (forms.length === 0) return "沟通：尚无记录（**尚未面商**）";
  const counts = new Map<ContactForm, number>();
  for (const f of forms) counts.set(f, (counts.get(f) ?? 0) + 1);
  const face = counts.get("FACE") ?? 0;
  const others = (Object.keys(CONTACT_FORM_LABEL) as ContactForm[])
    .filter((f) => f !== "FACE" && counts.has(f))
    .map((f) => `${CONTACT_FORM_LABEL[f]}${counts.get(f)}次`);
  const faceText = face ? `**面商${face}次**` : "**尚未面商**";
  return `沟通${forms.length}次：${[faceText, ...others].join("、")}`;
}

/** After the last duty: what the assignment is waiting for, in words. */
function settled(a: Assignment, details: Details | undefined): string {
  switch (a.state) {
    case "OPINION_SENT":
      return "已完成（意见已送主办单位）";
    case "CLOSED":
      return `已办结${a.closedOn ? `（${date(a.closedOn)}）` : ""}`;
    case "WITHDRAWN":
      return "已调整给其他单位办理";
    default: {
      const rounds = details?.replies.length ?? 0;
      const rated = details?.feedback.some((f) => f.round === rounds) ?? false;
      // Rated but not closed: what is left (公开, 续办) has no date, or the duties above would have shown it.
      if (!details) return "已答复";
      return rated ? "已答复并收到反馈，公开或续办后办结" : "等待代表委员反馈意见";
    }
  }
}

function assignmentBlock(a: Assignment, details: Details | undefined, today: CalendarDate): string[] {
  const lines = [`**${escapeMarkdown(a.unit.name)}**（${ROLE_LABEL[a.role]}）：${STATE_LABEL[a.state]}`];
  if (a.state === "WITHDRAWN") return lines;
  const item = (text: string) => lines.push(`- ${text}`);
  if (details) {
    item(a.handler ? `承办人：${escapeMarkdown(a.handler.name)}（${date(a.signedAt)}签收）` : "承办人：尚未签收定人");
  }
  if (a.state === "PENDING") item(withDue("签收期限", a.signDeadline, today, true));
  const owes = a.state === "PENDING" || a.state === "IN_PROGRESS";
  if (answersProposer(a.role)) item(withDue("答复期限", a.replyDeadline, today, owes));
  else item(withDue(`${ROLE_LABEL[a.role]}意见期限`, a.opinionDeadline, today, owes));
  if (a.state === "REHANDLING") item(withDue("重新办理期限", a.rehandleDeadline, today, true));
  if (a.opinionSentOn) item(`意见已于${date(a.opinionSentOn)}送主办单位`);
  if (details) item(contactLine(details.contacts.map((c) => c.form)));
  for (const r of details?.replies ?? []) {
    const signer = r.signedBy ? `，签发人${escapeMarkdown(r.signedBy)}` : "";
    item(`${r.round > 1 ? `第${r.round}次` : ""}答复：${r.replyClass}类（${date(r.repliedOn)}${signer}）`);
  }
  if (!details && a.replyClass) item(`答复：${a.replyClass}类（${date(a.repliedOn)}）`);
  for (const f of details?.feedback ?? []) {
    const rating = RATING_LABEL[f.rating];
    item(`${f.round > 1 ? `第${f.round}次` : ""}反馈：${f.rating === "UNSATISFIED" ? `**${rating}**` : rating}`);
  }
  if (a.publishedOn) item(`公开：已于${date(a.publishedOn)}公开`);
  else if (a.publishDeadline) item(withDue("公开期限", a.publishDeadline, today, true));
  for (const fu of details?.followUps ?? []) item(`续办：${date(fu.dueOn)}前再次答复`);
  for (const r of details?.requests ?? []) {
    const what = r.type === "EXTENSION" ? `延期至${date(r.requestedDeadline)}` : "调整（退回）";
    item(`待批申请 #${r.id}：${what}`);
  }
  const duty = nextDuty(a);
  if (duty?.deadline)
    item(`**下一步**：${duty.label}，${chineseDate(duty.deadline)}前（${dueText(duty.deadline, today)}）`);
  else if (duty) item(`**下一步**：${duty.label}`);
  else item(`**下一步**：${settled(a, details)}`);
  return lines;
}

function header(c: CaseWithAssignments): string[] {
  const lines = [`**${caseTitle(c)}**`];
  const facts = [`交办：${date(c.assignedOn)}`, DISCLOSURE_LABEL[c.disclosure]];
  if (c.isPriority) facts.push("**重点督办**");
  if (c.isPostSession) facts.push("会后件");
  lines.push(facts.join(" · "));
  if (c.proposers.length > 0) {
    const [lead, ...others] = c.proposers.map(escapeMarkdown);
    lines.push(`提出人：${lead}${others.length ? `（领衔），附议：${others.join("、")}` : ""}`);
  }
  if (c.disclosure === "NOT_PUBLIC") lines.push("注意：本件不予公开，请勿转发。");
  return lines;
}

async function answer(ctx: CommandContext, c: CaseWithAssignments): Promise<string> {
  const shown = c.assignments.filter((a) => seesAssignmentDetails(ctx.member, a)).map((a) => a.id);
  const details = shown.length ? await loadDetails(ctx.db, shown) : new Map<number, Details>();
  const leader = c.leadingLeaderId
    ? await ctx.db.person.findUnique({ where: { id: c.leadingLeaderId }, select: { name: true } })
    : null;
  const lines = header(c);
  if (leader) lines.push(`领导领衔督办：${escapeMarkdown(leader.name)}`);
  for (const a of c.assignments) lines.push("", ...assignmentBlock(a, details.get(a.id), ctx.today));
  if (c.assignments.length === 0) lines.push("", "尚未交办给任何单位。");
  return fitStream(lines.join("\n"));
}

export const statusCommand: Command = {
  name: "查",
  aliases: ["status"],
  summary: "查看一件建议或提案：各单位办理情况、期限和下一步",
  usage: USAGE,
  examples: [EXAMPLE, "查 提案205", "查 第0484号建议", "查 市政协五届二次会议205"],
  async run(ctx) {
    if (!ctx.args) return usageAnswer(USAGE, EXAMPLE, "请写明要查的案号。");
    const ref = parseCaseRef(ctx.args);
    if (!ref) return usageAnswer(USAGE, EXAMPLE, `看不懂案号「${escapeMarkdown(ctx.args)}」。`);
    const found = await findCase(ctx.db, ref, ctx.member, ctx.chat, ctx.message.chatType === "group");
    if (found.status !== "found") return found.message;
    return answer(ctx, found.case);
  },
};
