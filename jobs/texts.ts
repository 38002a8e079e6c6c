// Every sentence the scheduler pushes, in one place: 交办/调整 notices, reminder digests and escalations.
import { caseTitle, chineseDate, dueText, escapeMarkdown, mention } from "../bot/render.ts";
import type { CalendarDate } from "../domain/calendar.ts";
import { type AssignmentRole, CASE_KIND_LABEL, type CaseKind, ROLE_LABEL } from "../domain/labels.ts";

export const DUTY_LABEL: Record<string, string> = {
  SIGN: "签收",
  REPLY: "答复",
  OPINION: "会办意见",
  REHANDLE: "重新办理答复",
  PUBLISH: "公开",
  FOLLOW_UP: "续办答复",
};

export function dutyLabel(duty: string, role: AssignmentRole): string {
  if (duty === "OPINION" && role === "ASSIST") return "协办意见";
  return DUTY_LABEL[duty] ?? duty;
}

export type Urgency = "OVERDUE" | "DUE" | "SOON" | "AHEAD";

export const URGENCY_LABEL: Record<Urgency, string> = {
  OVERDUE: "已逾期",
  DUE: "今天到期",
  SOON: "3个工作日内到期",
  AHEAD: "临近期限",
};

export const URGENCY_ORDER: Urgency[] = ["OVERDUE", "DUE", "SOON", "AHEAD"];

const mentions = (userids: string[]) => userids.map(mention).join(" ");

export interface CaseFacts {
  kind: CaseKind;
  number: string;
  title: string;
  session: { name: string };
}

export function reminderTitle(today: CalendarDate, count: number): string {
  return `**【督办提醒】${chineseDate(today)}**\n共${count}项待办，请抓紧办理：`;
}

export function reminderHeader(unitName: string, urgency: Urgency): string {
  return `**${escapeMarkdown(unitName)} · ${URGENCY_LABEL[urgency]}**`;
}

export function reminderLine(c: CaseFacts, duty: string, deadline: CalendarDate, today: CalendarDate, who: string[]) {
  const tail = who.length > 0 ? ` ${mentions(who)}` : "";
  return `> ${caseTitle(c)} ${duty}期限${chineseDate(deadline)}，${dueText(deadline, today)}${tail}`;
}

export function escalationTitle(today: CalendarDate, after: number): string {
  return `**【逾期督办】${chineseDate(today)}**\n以下事项已逾期满${after}个工作日，请分管领导督促办理：`;
}

export function escalationHeader(unitName: string, leaders: string[]): string {
  const who = leaders.length > 0 ? ` 分管领导 ${mentions(leaders)}` : "";
  return `**${escapeMarkdown(unitName)}**${who}`;
}

export function escalationLine(c: CaseFacts, duty: string, deadline: CalendarDate, today: CalendarDate): string {
  return `> ${caseTitle(c)} ${duty}期限${chineseDate(deadline)}，${dueText(deadline, today)}`;
}

export function noticesTitle(today: CalendarDate): string {
  return `**【督办助手】${chineseDate(today)} 通知**`;
}

export interface AssignedFacts {
  case: CaseFacts;
  change: "ASSIGNED" | "ADJUSTED";
  unitName: string;
  role: AssignmentRole;
  /** Every unit on the case and its role, 主办 first. */
  units: { name: string; role: AssignmentRole }[];
  deadlines: { label: string; date: CalendarDate }[];
  who: string[];
  /** For 调整: moved from / to. */
  from?: string;
  to?: string;
  withdrawn: boolean;
}

/** A 交办 or 调整 notice: which case, which units in which roles, each deadline, who must act. */
export function assignedNotice(f: AssignedFacts): { header: string; body: string } {
  const tag = f.change === "ASSIGNED" ? "交办" : "调整";
  const header = `**【${tag}】${caseTitle(f.case)}**`;
  const lines: string[] = [];
  if (f.change === "ADJUSTED" && f.from && f.to) {
    lines.push(`> 经审批，本件${ROLE_LABEL[f.role]}单位由${escapeMarkdown(f.from)}调整为${escapeMarkdown(f.to)}。`);
  }
  const units = f.units.map((u) => `${escapeMarkdown(u.name)}（${ROLE_LABEL[u.role]}）`).join("、");
  lines.push(`> 承办单位：${units}`);
  if (f.withdrawn) {
    lines.push(`> ${escapeMarkdown(f.unitName)}不再承办本件，无需继续办理。`);
    return { header, body: lines.join("\n") };
  }
  lines.push(`> 本单位：${escapeMarkdown(f.unitName)} · ${ROLE_LABEL[f.role]}`);
  for (const d of f.deadlines) lines.push(`> ${d.label}：${chineseDate(d.date)}`);
  const ask = f.change === "ASSIGNED" ? "请及时签收并确定承办人" : "请按调整后的安排办理";
  lines.push(`> ${ask}${f.who.length > 0 ? `：${mentions(f.who)}` : "。"}`);
  return { header, body: lines.join("\n") };
}

/** Other outbox kinds (申请、审批结果、告警): what their payload says, plainly. */
export function otherNotice(kind: string, payload: Record<string, unknown>): { header: string; body: string } {
  const text = (key: string) => (typeof payload[key] === "string" ? escapeMarkdown(payload[key] as string) : "");
  const caseName =
    payload.session && payload.number
      ? `${text("session")}第${text("number")}号${text("caseKind") || CASE_KIND_LABEL.PROPOSAL}`
      : "";
  switch (kind) {
    case "REQUEST_FILED": {
      const what = payload.type === "EXTENSION" ? "延期" : "调整";
      const deadline =
        typeof payload.requestedDeadline === "string" ? `，申请延至${chineseDate(payload.requestedDeadline)}` : "";
      return {
        header: `**【${what}申请】${caseName}**`,
        body: `> ${text("unit")}申请${what}（第${String(payload.request ?? "")}号申请）${deadline}\n> 理由：${text("reason")}\n> 请督办室发送「批准 ${String(payload.request ?? "")}」或「驳回 ${String(payload.request ?? "")}」。`,
      };
    }
    case "REQUEST_DECIDED": {
      const what = payload.type === "EXTENSION" ? "延期" : "调整";
      const result = payload.status === "APPROVED" ? "已批准" : "未获批准";
      const note = text("note") ? `\n> 说明：${text("note")}` : "";
      return {
        header: `**【审批结果】${caseName}**`,
        body: `> 第${String(payload.request ?? "")}号${what}申请${result}。${note}`,
      };
    }
    case "DIGEST":
      // Already Markdown we wrote (进度's text); only the title is ours here.
      return { header: `**${text("title")}**`, body: typeof payload.markdown === "string" ? payload.markdown : "" };
    case "ALERT":
      return { header: "**【系统告警】**", body: `> ${text("text")}` };
    default:
      return { header: `**【通知】${caseName}**`, body: `> ${escapeMarkdown(kind)}` };
  }
}

export function pushFailedAlert(what: string, chat: string, error: string): string {
  return `向群「${chat || "默认群"}」推送${what}失败且无法重试：${error}。请检查该群的机器人是否仍在群内、webhook 是否有效。`;
}
