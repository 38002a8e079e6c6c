import { describe, expect, it } from "vitest";
import { byteLength, STREAM_MAX_BYTES } from "../../bot/limits.ts";
import {
  caseLabel,
  caseTitle,
  chineseDate,
  dueMarkdown,
  dueText,
  escapeMarkdown,
  fitStream,
  mention,
  paginate,
} from "../../bot/render.ts";

describe("dates and what is due", () => {
  it("writes dates the Chinese way, without leading zeros, from strings and from date columns", () => {
    expect(chineseDate("2023-08-31")).toBe("2023年8月31日");
    expect(chineseDate("2024-01-05")).toBe("2024年1月5日");
    expect(chineseDate(new Date("2024-10-01T00:00:00Z"))).toBe("2024年10月1日");
  });

  it("counts time left in working days, skipping the 清明 holiday and counting its 调休 Sunday", () => {
    // 2024-04-04..06 off, Sunday 04-07 worked: from Tue 04-02 to Mon 04-08 are 04-03, 04-07 and 04-08.
    expect(dueText("2024-04-08", "2024-04-02")).toBe("剩3个工作日");
    expect(dueText("2024-03-20", "2024-03-15")).toBe("剩3个工作日");
    expect(dueText("2024-03-18", "2024-03-15")).toBe("剩1个工作日");
  });

  it("says 今天到期 on the day and counts lateness in calendar days, weekends included", () => {
    expect(dueText("2024-03-15", "2024-03-15")).toBe("今天到期");
    expect(dueText("2024-03-14", "2024-03-15")).toBe("逾期1天");
    // Friday 03-08 to Friday 03-15: a week, 5 working days but 7 calendar days late.
    expect(dueText("2024-03-08", "2024-03-15")).toBe("逾期7天");
    expect(dueText(new Date("2024-01-04T00:00:00Z"), "2024-03-15")).toBe("逾期71天");
  });

  it("puts what needs attention now in bold, and only that", () => {
    expect(dueMarkdown("2024-03-14", "2024-03-15")).toBe("**逾期1天**");
    expect(dueMarkdown("2024-03-15", "2024-03-15")).toBe("**今天到期**");
    expect(dueMarkdown("2024-03-18", "2024-03-15")).toBe("剩1个工作日");
  });

  it("gives calendar days for a deadline on a holiday with no working day before it", () => {
    expect(dueText("2024-04-06", "2024-04-04")).toBe("剩2天");
  });
});

describe("case titles and mentions", () => {
  const c = {
    kind: "PROPOSAL" as const,
    number: "205",
    title: "关于推动我市招商引资工作高质量发展的提案",
    session: { name: "市政协五届二次会议" },
  };

  it("names a case by session, number and kind, with its title in 《》 once", () => {
    expect(caseTitle(c)).toBe("市政协五届二次会议第205号提案《关于推动我市招商引资工作高质量发展的提案》");
    expect(caseTitle({ ...c, title: "《关于加强产业链招商的提案》" })).toBe(
      "市政协五届二次会议第205号提案《关于加强产业链招商的提案》",
    );
    expect(caseLabel({ kind: "SUGGESTION", number: "0484", session: { name: "省十三届人大三次会议" } })).toBe(
      "省十三届人大三次会议第0484号建议",
    );
  });

  it("keeps a title from forging Markdown", () => {
    expect(caseTitle({ ...c, title: "关于<@all>的[提案](http://x)" })).not.toMatch(/[<>[\]]/);
  });

  it("mentions a userid, and a userid cannot close the tag early", () => {
    expect(mention("zhangwei")).toBe("<@zhangwei>");
    expect(mention("a>b <@all")).toBe("<@ab@all>");
  });
});

describe("escapeMarkdown", () => {
  const cases: [string, string][] = [
    ["请 <@zhangwei> 处理", "请 ＜@zhangwei＞ 处理"],
    ['<font color="warning">急</font>', '＜font color="warning"＞急＜/font＞'],
    ["[点我](http://evil.example)", "［点我］(http://evil.example)"],
    ["`code`", "｀code｀"],
    ["**加粗**", "＊＊加粗＊＊"],
    ["# 标题", "＃ 标题"],
    ["> 引用", "＞ 引用"],
    ["- 列表", "－ 列表"],
    ["1. 第一", "1． 第一"],
    ["第一行\n# 第二行", "第一行 # 第二行"],
    ["&lt;@all&gt;", "＆lt;@all＆gt;"],
    ["已电话沟通，代表表示理解", "已电话沟通，代表表示理解"],
  ];
  it.each(cases)("%j → %j", (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  it("leaves no mention, tag, link or line break in anything", () => {
    const nasty = "<@all>\n## [x](y) `z` **b** <font>\r\n> q";
    const out = escapeMarkdown(nasty);
    expect(out).not.toMatch(/[<>[\]`*\n\r]/);
    expect(out).not.toMatch(/^#/);
  });
});

describe("paginate", () => {
  const items = Array.from({ length: 45 }, (_, i) => `第${i + 1}行`);

  it("cuts pages and tells how to get the next one", () => {
    const first = paginate(items, 1, 20, "逾期");
    expect(first.lines).toEqual(items.slice(0, 20));
    expect(first.footer).toBe("第1/3页，发送「逾期 2」看下一页");
    const second = paginate(items, 2, 20, "临期 3");
    expect(second.lines).toEqual(items.slice(20, 40));
    expect(second.footer).toBe("第2/3页，发送「临期 3 3」看下一页");
  });

  it("says which is the last page", () => {
    const last = paginate(items, 3, 20, "逾期");
    expect(last.lines).toEqual(items.slice(40));
    expect(last.footer).toBe("第3/3页（最后一页），发送「逾期 1」回到第一页");
  });

  it("has no footer when all fits on one page, and says so when a later page was asked for", () => {
    expect(paginate(items.slice(0, 5), 1, 20, "逾期")).toEqual({
      lines: items.slice(0, 5),
      page: 1,
      pages: 1,
      footer: "",
    });
    const beyond = paginate(items, 9, 20, "逾期");
    expect(beyond.page).toBe(3);
    expect(beyond.lines).toEqual(items.slice(40));
    expect(beyond.footer).toBe("没有第9页：共3页，以上是最后一页。");
    expect(paginate([], 1, 20, "逾期").lines).toEqual([]);
  });
});

describe("fitStream", () => {
  it("passes what fits untouched", () => {
    expect(fitStream("**逾期未办 1件**")).toBe("**逾期未办 1件**");
  });

  it("cuts at a line boundary within the stream limit and says it cut", () => {
    const line = "- 市五届人大二次会议第0023号建议《关于加快发展社区居家养老服务的建议》：会办，<@hejun>";
    const long = Array.from({ length: 400 }, () => line).join("\n");
    expect(byteLength(long)).toBeGreaterThan(STREAM_MAX_BYTES);
    const out = fitStream(long);
    expect(byteLength(out)).toBeLessThanOrEqual(STREAM_MAX_BYTES);
    expect(out.endsWith("……（内容过长，已截断）")).toBe(true);
    const kept = out.split("\n").slice(0, -1);
    expect(kept.every((l) => l === line)).toBe(true);
  });
});
