// 总结 [年份] [单位]: the statistics paragraph of an annual 办理工作总结, written as the reports in ../shared/seeds
// write it ("2023年，我局共承办建议提案6件，其中，建议1件，提案5件；主办1件，会办5件；A类复函3件，B类复函3件。…
// 办复率和满意率均为100%"), from the data, ready to paste. A year selects cases by their 交办日期.
import { chineseDate, escapeMarkdown, fitStream } from "../bot/render.ts";
import {
  findOfficeUnit,
  loadStatRows,
  replyClassesFor,
  resolveSelection,
  type StatScope,
} from "../casework/statistics-data.ts";
import { CASE_KIND_LABEL, type CaseKind } from "../domain/labels.ts";
import { classShares, computeStatistics, formatRatio, type Statistics } from "../domain/statistics.ts";
import { seesAllUnits } from "./access.ts";
import type { Command, CommandContext } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { casesNoun, rateText, selectionProblemAnswer } from "./stats.ts";

const USAGE = "总结 [年份] [单位]";
const EXAMPLE = "总结 2023 市发改委";
const KINDS: CaseKind[] = ["MOTION", "SUGGESTION", "PROPOSAL"];

/** How a unit names itself in its own report: 我局, 我委, 我办…; 我单位 when the name says nothing usable. */
export function selfReference(unitName: string): string {
  const endings: [RegExp, string][] = [
    [/(镇|乡|街道|县|区|市|旗)(人民)?政府$/, "我$1"],
    [/(办公室|办公厅|办事处|办)$/, "我办"],
    [/委员会$|委$/, "我委"],
    [/(局|厅|部|院|署|社|所|站|中心|室)$/, "我$1"],
    [/(联合会|联|会)$/, "我会"],
  ];
  for (const [re, word] of endings) {
    const m = re.exec(unitName);
    if (m) return word.replace("$1", m[1] ?? "");
  }
  return "我单位";
}

/** "全市", "全县", "全区", "全省": the level of the coordinating office, from its name (市政府督查室 → 全市). */
export function regionWord(officeName: string | undefined): string {
  const head = officeName?.split(/人民政府|政府|人大|政协/)[0] ?? "";
  const levels = [...head].filter((ch) => "省市州盟县区旗".includes(ch));
  const level = levels.at(-1) ?? [...(officeName ?? "")].find((ch) => "省市州县区".includes(ch)) ?? "市";
  return `全${level}`;
}

/** 主办 / 主（分）办 / 分办 and 会办 / 会（协）办 / 协办, by the roles present. */
function roleWords(s: Statistics): { answering: string; supporting: string } {
  const { LEAD, SEPARATE, JOINT, ASSIST } = s.byRole;
  const answering = LEAD && SEPARATE ? "主（分）办" : SEPARATE ? "分办" : "主办";
  const supporting = JOINT && ASSIST ? "会（协）办" : ASSIST ? "协办" : "会办";
  return { answering, supporting };
}

/** The opening: how many, of which kinds and roles, and the classes of the replies the cases received. */
function opening(year: number, who: string, units: number | null, s: Statistics): string {
  const unitScope = units === null;
  const words = roleWords(s);
  const each = unitScope ? "件" : "件次";
  const verb = unitScope ? "承办" : "交办";
  const kinds = KINDS.filter((k) => s.byKind[k] > 0);
  const parts: string[] = [];
  if (kinds.length > 1) parts.push(kinds.map((k) => `${CASE_KIND_LABEL[k]}${s.byKind[k]}件`).join("，"));
  const answering = s.byRole.LEAD + s.byRole.SEPARATE;
  const supporting = s.byRole.JOINT + s.byRole.ASSIST;
  const roles = [
    answering ? `${words.answering}${answering}${each}` : "",
    supporting ? `${words.supporting}${supporting}${each}` : "",
  ].filter(Boolean);
  parts.push(unitScope ? roles.join("，") : `由${units}个单位承办，${roles.join("，")}`);
  const classes = s.caseClasses.filter((c) => c.count > 0).map((c) => `${c.replyClass}类复函${c.count}件`);
  if (classes.length) parts.push(classes.join("，"));
  return `${year}年，${who}共${verb}${casesNoun(s)}${s.cases}件，其中，${parts.join("；")}。`;
}

/** As the reports print shares: "89.2%", and a whole one without its ".0" ("办复率和满意率均为100%"). */
const asPrinted = (text: string) => text.replace(/(\d)\.0%/g, "$1%");

/** 上海民政's form: "已答复的46件主办建议中，A类41件，占比89.2%；…", one sentence per kind. */
function classSentences(byKind: Map<CaseKind, Statistics>, answeringWord: string): string[] {
  const out: string[] = [];
  for (const [kind, s] of byKind) {
    if (s.reply.replied === 0) continue;
    const shares = classShares(s.classes.filter((c) => c.count > 0))
      .map((c) => `${c.replyClass}类${c.count}件，占比${c.share}`)
      .join("；");
    out.push(`已答复的${s.reply.replied}件${answeringWord}${CASE_KIND_LABEL[kind]}中，${shares}。`);
  }
  return out;
}

/** Whether the replies are all in and on time ("除2件提案在办理期限内外，其余均已按期答复"), or the counts. */
function replySentence(s: Statistics, byKind: Map<CaseKind, Statistics>, word: string): string {
  const r = s.reply;
  if (r.replied + r.notYetDue + r.overdue === 0) return "";
  const allOnTime = r.overdue === 0 && r.onTime === r.replied;
  if (allOnTime && r.notYetDue === 0) return `${word}件均已按期答复。`;
  if (allOnTime && r.replied > 0) {
    const waiting = [...byKind]
      .filter(([, k]) => k.reply.notYetDue > 0)
      .map(([kind, k]) => `${k.reply.notYetDue}件${CASE_KIND_LABEL[kind]}`)
      .join("、");
    return `目前，除${waiting}在办理期限内外，其余${word}件均已按期答复。`;
  }
  const onTime = rateText(s.onTimeRate, "按期答复", "已答复", "尚无答复");
  const late = r.overdue ? `；逾期未答复${r.overdue}件` : "";
  const waiting = r.notYetDue ? `；另有${r.notYetDue}件未到答复期限` : "";
  return `${word}件应答复${r.due}件，已答复${r.replied}件，按期办结率${onTime}${late}${waiting}。`;
}

function opinionSentence(s: Statistics, word: string): string {
  const supporting = s.byRole.JOINT + s.byRole.ASSIST;
  if (!supporting) return "";
  const o = s.opinions;
  if (o.due === 0) return `${word}件${supporting}件尚未到提交${word}意见的期限。`;
  if (o.onTime === o.due) return `${word}件均按期向主办单位提交了${word}意见（${o.due}件）。`;
  return `${word}意见按期提交率${rateText(s.opinionOnTimeRate, "按期提交", "应提交", "")}。`;
}

/** 面商率, the proposers' ratings, 重新办理 and B→A follow-ups, in the reports' words. */
function followThrough(s: Statistics): string {
  const parts: string[] = [];
  if (s.faceRate.whole) parts.push(`面商率${rateText(s.faceRate, "面商", "应面商", "")}`);
  const f = s.feedback;
  if (f.received) {
    const unhappy = f.unsatisfied ? `，不满意${f.unsatisfied}件` : "，没有不满意件";
    const basic = f.basicallySatisfied
      ? `，基本满意率${rateText(s.basicSatisfactionRate, "基本满意", "收到反馈", "")}`
      : "";
    parts.push(
      `收到代表委员反馈${f.received}件，其中满意${f.satisfied}件，基本满意${f.basicallySatisfied}件${unhappy}${basic}`,
    );
  }
  if (s.rehandled.count) {
    parts.push(`因不满意重新办理${s.rehandled.count}件，其中重新办理后满意或基本满意${s.rehandled.nowSatisfied}件`);
  }
  if (s.followUps.count) parts.push(`B类件续办${s.followUps.count}件，已解决并续复为A类${s.followUps.resolved}件`);
  return parts.length ? `${parts.join("；")}。` : "";
}

/** The headline the reports end on: "办复率和满意率均为100%（…）" when they agree, each with its own otherwise. */
function headline(s: Statistics): string {
  const reply = formatRatio(s.replyRate);
  const satisfied = formatRatio(s.satisfactionRate);
  const replyWhy = `已答复${s.replyRate.part}件/应答复${s.replyRate.whole}件`;
  const satisfiedWhy = `满意和基本满意${s.satisfactionRate.part}件/收到反馈${s.satisfactionRate.whole}件`;
  if (reply && reply === satisfied) return `办复率和满意率均为${reply}（${replyWhy}；${satisfiedWhy}）。`;
  const parts = [
    reply ? `办复率${reply}（${replyWhy}）` : "",
    satisfied ? `满意率${satisfied}（${satisfiedWhy}）` : "",
  ];
  return parts.some(Boolean) ? `${parts.filter(Boolean).join("，")}。` : "";
}

/**
 * The whole paragraph: for one unit (`who` 我局…, `units` null) or for several (`who` 全市…, `units` how many
 * units took part, and the role counts are 件次 since one case has several units).
 */
export function summaryParagraph(
  year: number,
  who: string,
  units: number | null,
  s: Statistics,
  byKind: Map<CaseKind, Statistics>,
): string {
  const { answering, supporting } = roleWords(s);
  return asPrinted(
    [
      opening(year, who, units, s),
      ...classSentences(byKind, units === null ? answering : ""),
      replySentence(s, byKind, answering),
      opinionSentence(s, supporting),
      followThrough(s),
      headline(s),
    ].join(""),
  );
}

async function compute(ctx: CommandContext, scope: StatScope) {
  const rows = await loadStatRows(ctx.db, scope);
  const classes = await replyClassesFor(ctx.db, scope);
  const all = computeStatistics(rows, ctx.today, classes);
  const byKind = new Map(
    KINDS.filter((k) => all.byKind[k] > 0).map((k) => [
      k,
      computeStatistics(
        rows.filter((r) => r.kind === k),
        ctx.today,
        classes,
      ),
    ]),
  );
  return { rows, all, byKind };
}

export const summaryCommand: Command = {
  name: "总结",
  aliases: ["summary"],
  summary: "生成年度办理工作总结的统计段落，可直接粘贴（默认今年、本单位；领导和督办室默认全部单位）",
  usage: USAGE,
  examples: ["总结", "总结 2023", EXAMPLE],
  async run(ctx) {
    const words = ctx.args.split(" ").filter(Boolean);
    const viewer = { seesAllUnits: seesAllUnits(ctx.member), unitId: ctx.member.unitId };
    const selection = await resolveSelection(ctx.db, viewer, words, { year: true, session: false, unit: true });
    if ("problem" in selection) return selectionProblemAnswer(selection, USAGE, EXAMPLE);
    const year = selection.scope.year ?? Number(ctx.today.slice(0, 4));
    if (year > Number(ctx.today.slice(0, 4))) return usageAnswer(USAGE, EXAMPLE, `${year}年还没有到，无从总结。`);
    const scope = { ...selection.scope, year };
    const { rows, all, byKind } = await compute(ctx, scope);
    const unitName = selection.unitName;
    const title = `${year}年${unitName ? escapeMarkdown(unitName) : ""}建议提案办理情况`;
    if (rows.length === 0)
      return `没有${year}年交办${unitName ? `给${escapeMarkdown(unitName)}` : ""}的建议提案，无从总结。`;
    const who = unitName ? selfReference(unitName) : regionWord((await findOfficeUnit(ctx.db))?.name);
    const units = unitName ? null : new Set(rows.map((r) => r.unitId)).size;
    const paragraph = summaryParagraph(year, who, units, all, byKind);
    const note = `按交办日期统计，截至${chineseDate(ctx.today)}；百分比保留一位小数，括号内为分子/分母。`;
    return fitStream(
      [`**${title}**（统计段落，可直接粘贴）`, "", escapeMarkdown(paragraph), "", `> ${note}`].join("\n"),
    );
  },
};
