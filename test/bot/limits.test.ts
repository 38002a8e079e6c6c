// splitToFit is what keeps a long notice from being refused by WeCom (40058 over 4096 bytes): every piece must fit,
// come in order, keep characters and `<@userid>` mentions whole, and lose nothing.
import { describe, expect, it } from "vitest";
import { byteLength, splitToFit, WEBHOOK_MARKDOWN_MAX_BYTES } from "../../bot/limits.ts";

const MAX = WEBHOOK_MARKDOWN_MAX_BYTES;
const MENTION = /<@[^<>\s]+>/g;

/** Rebuilds the text from its pieces: a boundary at a line end dropped exactly one "\n", a cut inside a line none. */
function rebuild(text: string, pieces: string[]): string {
  let pos = 0;
  let out = "";
  pieces.forEach((piece, i) => {
    expect(text.startsWith(piece, pos), `piece ${i} continues the text at ${pos}`).toBe(true);
    out += piece;
    pos += piece.length;
    if (i < pieces.length - 1 && text[pos] === "\n") {
      out += "\n";
      pos += 1;
    }
  });
  return out;
}

function expectValid(text: string, pieces: string[], maxBytes = MAX): void {
  for (const piece of pieces) {
    expect(byteLength(piece)).toBeLessThanOrEqual(maxBytes);
    expect(piece).not.toContain("\uFFFD");
    // A lone surrogate would mean a 4-byte character cut in two.
    expect(piece).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  }
  expect(rebuild(text, pieces)).toBe(text);
}

/** A reminder-like Chinese line with mentions, about 100 bytes. */
function noticeLine(i: number): string {
  return `${i}. 关于加快老旧小区改造的建议（第${i}号）请 <@liaison${i % 7}> 和 <@handler_${i}> 于本周内答复`;
}

describe("splitToFit", () => {
  it("splits a 9,000-byte notice of Chinese lines with mentions into valid pieces, in order, losing nothing", () => {
    const lines: string[] = [];
    for (let i = 1; byteLength(lines.join("\n")) < 9000; i++) lines.push(noticeLine(i));
    const text = lines.join("\n");
    expect(byteLength(text)).toBeGreaterThanOrEqual(9000);

    const pieces = splitToFit(text, MAX);
    expect(pieces.length).toBe(3);
    expectValid(text, pieces);
    // Only line boundaries were used: each piece is a run of whole lines, and the mentions all survive whole.
    expect(pieces.join("\n")).toBe(text);
    for (const piece of pieces) for (const line of piece.split("\n")) expect(lines).toContain(line);
    expect(pieces.join("\n").match(MENTION)).toEqual(text.match(MENTION));
  });

  it("returns a message within the limit unchanged, including one of exactly 4096 bytes", () => {
    expect(splitToFit("", MAX)).toEqual([""]);
    const exact = `${"办".repeat(1365)}x`; // 1365 × 3 + 1 = 4096 bytes
    expect(byteLength(exact)).toBe(MAX);
    expect(splitToFit(exact, MAX)).toEqual([exact]);
  });

  it("splits at the line boundary when a message is one byte over", () => {
    const first = "甲".repeat(1000); // 3000 bytes
    const second = `${"乙".repeat(365)}y`; // 1096 bytes: with the "\n" the whole is 4097
    const text = `${first}\n${second}`;
    expect(byteLength(text)).toBe(MAX + 1);
    expect(splitToFit(text, MAX)).toEqual([first, second]);
  });

  it("keeps a line of exactly 4096 bytes whole in a piece of its own", () => {
    const exactLine = `${"丙".repeat(1365)}z`;
    const text = `开头\n${exactLine}\n结尾`;
    expect(splitToFit(text, MAX)).toEqual(["开头", exactLine, "结尾"]);
  });

  it("keeps blank lines at a piece boundary, including trailing ones", () => {
    const full = "丁".repeat(1365); // 4095 bytes: the "\n" of a following blank line still fits, its next line not
    const text = `${full}\n\n\n第二段\n\n`;
    const pieces = splitToFit(text, MAX);
    expectValid(text, pieces);
    expect(pieces.join("\n")).toBe(text);
    expect(pieces[0]).toBe(`${full}\n`);
  });

  it("never makes a piece of blank lines alone", () => {
    const full = "庚".repeat(1365); // 4095 bytes
    const exactLine = `${"辛".repeat(1365)}w`; // 4096 bytes
    // A blank line before a line that fills a piece, blank lines at the end, and blank lines before an over-long line.
    const text = `${full}\n\n\n${exactLine}\n\n\n\n${"壬".repeat(2000)}`;
    const pieces = splitToFit(text, MAX);
    for (const piece of pieces) expect(piece.trim()).not.toBe("");
    expect(pieces[0]).toBe(`${full}\n`);
    expect(pieces[1]).toBe(exactLine);
    expect(pieces.slice(2).join("")).toBe("壬".repeat(2000));
    expect(splitToFit(`${full}\n${exactLine}\n\n`, MAX)).toEqual([full, exactLine]);
  });

  it("cuts a single line longer than the limit at character boundaries, never inside a mention", () => {
    // 4,091 bytes of text, then a mention straddling the 4096-byte mark, then more text and an emoji (4 bytes).
    const line = `${"戊".repeat(1363)}x <@zhang_wei_2024> ${"己".repeat(2000)}😀尾`;
    const text = `标题\n${line}\n落款 <@office>`;
    const pieces = splitToFit(text, MAX);
    expectValid(text, pieces);
    expect(pieces[0]).toBe("标题");
    // The first cut falls before the mention, which then starts the next piece whole.
    expect(pieces[1]?.endsWith("x ")).toBe(true);
    expect(pieces[2]?.startsWith("<@zhang_wei_2024>")).toBe(true);
    expect(pieces.join("").match(MENTION)).toEqual(text.match(MENTION));
  });

  it("never splits a 4-byte character at an exact boundary", () => {
    const text = `a${"😀".repeat(2000)}`; // 1 + 8000 bytes on one line
    const pieces = splitToFit(text, MAX);
    expectValid(text, pieces);
    expect(pieces.map(byteLength)).toEqual([4093, 3908]);
  });

  it("works for other limits too (text messages, 2048 bytes)", () => {
    const text = Array.from({ length: 60 }, (_, i) => noticeLine(i)).join("\n");
    const pieces = splitToFit(text, 2048);
    expect(pieces.length).toBeGreaterThan(2);
    expectValid(text, pieces, 2048);
    expect(pieces.join("\n")).toBe(text);
  });
});
