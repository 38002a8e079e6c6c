// What people type, as they type it on phones and PCs, and what the bot must understand from it.
import { describe, expect, it } from "vitest";
import { closestNames } from "../../casework/suggest.ts";
import { type CaseRef, parseCaseRef, takeCaseRef } from "../../commands/case-ref.ts";
import { splitCommand } from "../../commands/text.ts";

const S = "市政协五届二次会议";
const R = "市五届人大二次会议";
const P = "省十三届人大三次会议";

/** "205" → {number}; "205 提案" → with kind; "205 提案 市政协…" → with session; null → not a reference. */
function ref(number: string, kind?: string, session?: string): CaseRef {
  const out: CaseRef = { number };
  if (kind === "提案") out.kind = "PROPOSAL";
  if (kind === "建议") out.kind = "SUGGESTION";
  if (kind === "议案") out.kind = "MOTION";
  if (session) out.session = session;
  return out;
}

// [as typed, command word, the reference its arguments are]
const COMMAND_LINES: [string, string, CaseRef | null][] = [
  // The command word: slash or not, full-width, @mention, extra spaces.
  ["查 205", "查", ref("205")],
  ["/查 205", "查", ref("205")],
  ["／查 205", "查", ref("205")],
  ["／查　２０５", "查", ref("205")],
  ["@督办助手 /查 205", "查", ref("205")],
  ["@督办助手 查 205", "查", ref("205")],
  ["@督办助手　／查　２０５号提案", "查", ref("205", "提案")],
  ["@督办助手 @张伟 /查 205", "查", ref("205")],
  ["  查   205  ", "查", ref("205")],
  ["/ 查 205", "查", ref("205")],
  ["/status 205", "status", ref("205")],
  ["status 提案205", "status", ref("205", "提案")],
  ["／ｓｔａｔｕｓ　２０５", "status", ref("205")],
  ["STATUS 205", "STATUS", ref("205")],
  ["@督办助手 /status 0484", "status", ref("0484")],
  // Every reference form.
  ["查 第205号", "查", ref("205")],
  ["查 205号", "查", ref("205")],
  ["查 第205", "查", ref("205")],
  ["查 提案205", "查", ref("205", "提案")],
  ["查 205号提案", "查", ref("205", "提案")],
  ["查 205提案", "查", ref("205", "提案")],
  ["查 第205号提案", "查", ref("205", "提案")],
  ["查 提案第205号", "查", ref("205", "提案")],
  ["查 提案205号", "查", ref("205", "提案")],
  ["查 提案 205", "查", ref("205", "提案")],
  ["查 205 号提案", "查", ref("205", "提案")],
  ["查 205 提案", "查", ref("205", "提案")],
  ["查 第 205 号 提案", "查", ref("205", "提案")],
  ["查 0484", "查", ref("0484")],
  ["查 484", "查", ref("484")],
  ["查 建议0484", "查", ref("0484", "建议")],
  ["查 第0484号建议", "查", ref("0484", "建议")],
  ["查 0484号建议", "查", ref("0484", "建议")],
  ["查 建议第0484号", "查", ref("0484", "建议")],
  ["查 建议 0484", "查", ref("0484", "建议")],
  ["查 ０４８４号建议", "查", ref("0484", "建议")],
  ["查 第００２３号建议", "查", ref("0023", "建议")],
  ["查 0023", "查", ref("0023")],
  ["查 23", "查", ref("23")],
  ["查 007", "查", ref("007")],
  ["查 议案12", "查", ref("12", "议案")],
  ["查 第12号议案", "查", ref("12", "议案")],
  ["查 1", "查", ref("1")],
  ["查 999999", "查", ref("999999")],
  ["查 市政协五届二次会议205", "查", ref("205", undefined, S)],
  ["查 市政协五届二次会议第205号提案", "查", ref("205", "提案", S)],
  ["查 市政协五届二次会议 205", "查", ref("205", undefined, S)],
  ["查 市政协五届二次会议 第205号", "查", ref("205", undefined, S)],
  ["查 市政协五届二次会议 提案205", "查", ref("205", "提案", S)],
  ["查 市政协五届二次会议提案205", "查", ref("205", "提案", S)],
  ["查 市政协五届二次会议 205号提案", "查", ref("205", "提案", S)],
  ["查 市五届人大二次会议0023", "查", ref("0023", undefined, R)],
  ["查 市五届人大二次会议第0023号建议", "查", ref("0023", "建议", R)],
  ["查 省十三届人大三次会议第0484号建议", "查", ref("0484", "建议", P)],
  ["查 省十三届人大三次会议 0484", "查", ref("0484", undefined, P)],
  ["查 五届二次会议205", "查", ref("205", undefined, "五届二次会议")],
  ["查 县十八届人大一次会议第3号建议", "查", ref("3", "建议", "县十八届人大一次会议")],
  ["查 区政协三届四次会议 提案 58", "查", ref("58", "提案", "区政协三届四次会议")],
  ["查 2024年市政协会议205", "查", ref("205", undefined, "2024年市政协会议")],
  ["查 ２０５号", "查", ref("205")],
  ["查 第２０５号提案", "查", ref("205", "提案")],
  ["查 提案２０５", "查", ref("205", "提案")],
  ["查 市政协五届二次会议２０５", "查", ref("205", undefined, S)],
  ["查　提案　２０５", "查", ref("205", "提案")],
  ["/查 第205号提案", "查", ref("205", "提案")],
  ["／查 第0484号建议", "查", ref("0484", "建议")],
  ["@督办助手 /查 市政协五届二次会议205", "查", ref("205", undefined, S)],
  ["@督办助手 查 0484号建议", "查", ref("0484", "建议")],
  ["status 第205号提案", "status", ref("205", "提案")],
  ["status 市政协五届二次会议205", "status", ref("205", undefined, S)],
  ["签收 205", "签收", ref("205")],
  ["/签收 第0484号建议", "签收", ref("0484", "建议")],
  ["意见 提案112", "意见", ref("112", "提案")],
  ["公开 0031", "公开", ref("0031")],
  ["@督办助手 ／签收　２０５号提案", "签收", ref("205", "提案")],
  // Garbage: no reference at all.
  ["查", "查", null],
  ["/查", "查", null],
  ["查 ", "查", null],
  ["查 abc", "查", null],
  ["查 提案", "查", null],
  ["查 建议", "查", null],
  ["查 第号", "查", null],
  ["查 号205", "查", null],
  ["查 205A", "查", null],
  ["查 A205", "查", null],
  ["查 205-1", "查", null],
  ["查 2.05", "查", null],
  ["查 -205", "查", null],
  ["查 +205", "查", null],
  ["查 0", "查", null],
  ["查 000", "查", null],
  ["查 0000号建议", "查", null],
  ["查 1234567", "查", null],
  ["查 20240930", "查", null],
  ["查 2024-09-30", "查", null],
  ["查 2024年9月30日", "查", null],
  ["查 205 206", "查", null],
  ["查 205、206", "查", null],
  ["查 205,206", "查", null],
  ["查 提案205号建议", "查", null],
  ["查 建议205提案", "查", null],
  ["查 提案提案205", "查", null],
  ["查 205号号", "查", null],
  ["查 第第205号", "查", null],
  ["查 关于推动我市招商引资工作高质量发展的提案", "查", null],
  ["查 市发改委", "查", null],
  ["查 会议205", "查", null],
  ["查 二百零五", "查", null],
  ["查 第二百零五号提案", "查", null],
  ["查 #205", "查", null],
  ["查 No.205", "查", null],
  ["查 205?", "查", null],
  ["查 205 是什么情况", "查", null],
  ["查 <@all>", "查", null],
  ["查 [205](http://x)", "查", null],
  ["查 ```205```", "查", null],
  ["查 提案 205 206", "查", null],
  ["查 市政协五届二次会议", "查", null],
  ["查 五届二次205", "查", null],
];

describe("command lines: splitCommand, then parseCaseRef of the arguments", () => {
  it.each(COMMAND_LINES)("%j", (text, word, expected) => {
    const split = splitCommand(text);
    expect(split.word).toBe(word);
    expect(parseCaseRef(split.args)).toEqual(expected);
  });
});

// [arguments of an update command, the reference at their start, what follows]
const LEADING_REFS: [string, CaseRef | null, string][] = [
  ["205 A 张三", ref("205"), "A 张三"],
  ["205 A", ref("205"), "A"],
  ["205", ref("205"), ""],
  ["205号提案 A 刘秀英", ref("205", "提案"), "A 刘秀英"],
  ["提案205 B", ref("205", "提案"), "B"],
  ["提案 205 B", ref("205", "提案"), "B"],
  ["第205号 提案 C 王副局长", ref("205", "提案"), "C 王副局长"],
  ["205 号提案 A", ref("205", "提案"), "A"],
  ["205 号 提案 A", ref("205", "提案"), "A"],
  ["第0484号建议 满意", ref("0484", "建议"), "满意"],
  ["0484 基本满意", ref("0484"), "基本满意"],
  ["建议0484 不满意 代表认为进度太慢", ref("0484", "建议"), "不满意 代表认为进度太慢"],
  ["205 面商 在委员单位当面沟通", ref("205"), "面商 在委员单位当面沟通"],
  ["205 电话", ref("205"), "电话"],
  ["0023 走访 到代表所在社区走访", ref("0023"), "走访 到代表所在社区走访"],
  ["205号提案 2024年9月30日 需等待省里政策出台", ref("205", "提案"), "2024年9月30日 需等待省里政策出台"],
  ["205 2024-09-30 理由", ref("205"), "2024-09-30 理由"],
  ["205 2024/9/30 理由", ref("205"), "2024/9/30 理由"],
  ["提案205 20240930", ref("205", "提案"), "20240930"],
  ["205 12", ref("205"), "12"],
  ["205 206", ref("205"), "206"],
  ["205 第206号", ref("205"), "第206号"],
  ["0484 建议改由市住建局办理", ref("0484"), "建议改由市住建局办理"],
  ["205 提案内容不属于我单位职责", ref("205"), "提案内容不属于我单位职责"],
  ["205 提案 不属于我单位职责", ref("205", "提案"), "不属于我单位职责"],
  ["市政协五届二次会议205 A", ref("205", undefined, S), "A"],
  ["市政协五届二次会议 205 A", ref("205", undefined, S), "A"],
  ["市政协五届二次会议 第205号 提案 A 刘秀英", ref("205", "提案", S), "A 刘秀英"],
  ["市政协五届二次会议第205号提案 B", ref("205", "提案", S), "B"],
  ["省十三届人大三次会议 0484 满意", ref("0484", undefined, P), "满意"],
  ["２０５　Ａ　张三", ref("205"), "A 张三"],
  ["第２０５号提案　２０２４年９月３０日　理由", ref("205", "提案"), "2024年9月30日 理由"],
  ["  205   A  ", ref("205"), "A"],
  ["", null, ""],
  ["A 205", null, "A 205"],
  ["满意 0484", null, "满意 0484"],
  ["提案 A", null, "提案 A"],
  ["abc 205", null, "abc 205"],
  ["2024年9月30日 205", null, "2024年9月30日 205"],
  ["20240930 205", null, "20240930 205"],
  ["205A 张三", null, "205A 张三"],
  ["#205 A", null, "#205 A"],
  ["理由 205号提案", null, "理由 205号提案"],
  ["市发改委 205", null, "市发改委 205"],
  ["0 A", null, "0 A"],
];

describe("takeCaseRef: the reference at the start of an update's arguments", () => {
  it.each(LEADING_REFS)("%j", (args, expected, rest) => {
    expect(takeCaseRef(args)).toEqual({ ref: expected, rest });
  });
});

// Slips in the command word: not a command, but the closest commands are offered.
const COMMAND_NAMES = ["帮助", "查", "我的", "单位", "临期", "逾期", "进度", "统计", "总结", "签收", "沟通", "意见"];
const ALIASES = ["help", "status", "mine", "unit", "due", "overdue", "progress", "stats"];
const TYPOS: [string, string][] = [
  ["/帮主", "帮助"],
  ["／逾其 2", "逾期"],
  ["临其", "临期"],
  ["/签守 205", "签收"],
  ["统记", "统计"],
  ["进读", "进度"],
  ["总节 2023", "总结"],
  ["沟桶 205 面商", "沟通"],
  ["/statu 205", "status"],
  ["@督办助手 /staus 205", "status"],
  ["overdu", "overdue"],
  ["mien", "mine"],
  ["progres", "progress"],
  ["单为 市发改委", "单位"],
];

describe("typos in the command word", () => {
  it.each(TYPOS)("%j suggests %j", (text, meant) => {
    const { word } = splitCommand(text);
    expect([...COMMAND_NAMES, ...ALIASES]).not.toContain(word.toLowerCase());
    expect(closestNames(word, [...COMMAND_NAMES, ...ALIASES])).toContain(meant);
  });
});
