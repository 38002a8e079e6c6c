// Seeded randomness for the fuzz tests, so a failure can be reproduced: every file prints its seed, and
// `FUZZ_SEED=<seed> npx vitest run test/fuzz/<file>` replays the very same inputs.

/** mulberry32: tiny, fast, and good enough to pick inputs. */
export interface Random {
  seed: number;
  /** [0, 1) */
  next(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A string of `length` characters drawn from `alphabet` (code points). */
  string(length: number, alphabet: string): string;
}

export function seededRandom(name: string): Random {
  const fromEnv = Number(process.env.FUZZ_SEED);
  const seed = Number.isInteger(fromEnv) && process.env.FUZZ_SEED ? fromEnv : Math.floor(Math.random() * 2 ** 31);
  console.log(`[fuzz] ${name}: seed ${seed} (replay with FUZZ_SEED=${seed})`);
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      return items[int(0, items.length - 1)] as T;
    },
    string(length, alphabet) {
      const chars = [...alphabet];
      let out = "";
      for (let i = 0; i < length; i++) out += chars[int(0, chars.length - 1)];
      return out;
    },
  };
}

/** Pieces hostile input is made of. `MARK` sits inside every injection, to find where it ends up in an answer. */
export const MARK = "QZX";
export const NASTY = {
  control: "\u0000\u0001\u0007\b\u000b\f\r\u001b\u007f\u0085\u200b\u200e\u202e\ufeff",
  emoji: "😀👍🏻👨‍👩‍👧‍👦🇨🇳❤️‍🔥🧑🏽‍💻",
  loneSurrogates: "\ud800\udfff\udbff",
  fullWidth: "／查　２０５０４８４ＡＢＣ＠＃",
  sql: [
    '\'; DROP TABLE "Case"; --',
    "205' OR '1'='1",
    '"; DELETE FROM "Assignment" WHERE 1=1; --',
    "1; UPDATE \"Person\" SET role='admin'",
    "$1 $$ \\x00 E'\\\\'",
  ],
  markdown: [
    "<@zhangwei>",
    `<@all> ${MARK}`,
    `<@${MARK}>`,
    `\n# ${MARK}`,
    `\n> ${MARK}`,
    `\n- ${MARK}`,
    `\n1. ${MARK}`,
    `[${MARK}](http://evil.example/)`,
    `**${MARK}**`,
    `\`${MARK}\``,
    `<font color="warning">${MARK}</font>`,
    `![${MARK}](http://evil.example/x.png)`,
    `${MARK}\n\n---\n`,
    `&lt;@zhangwei&gt;${MARK}`,
  ],
} as const;

/** A hostile string: control characters, emoji, SQL, Markdown, full-width forms and plain text, mixed. */
export function nastyText(r: Random, maxLength = 60): string {
  const parts: string[] = [];
  const count = r.int(1, 4);
  for (let i = 0; i < count; i++) {
    switch (r.int(0, 7)) {
      case 0:
        parts.push(r.string(r.int(1, 5), NASTY.control));
        break;
      case 1:
        parts.push(r.string(r.int(1, 4), NASTY.emoji));
        break;
      case 2:
        parts.push(r.pick(NASTY.sql));
        break;
      case 3:
      case 4:
        parts.push(r.pick(NASTY.markdown));
        break;
      case 5:
        parts.push(r.chance(0.3) ? NASTY.loneSurrogates : NASTY.fullWidth);
        break;
      default:
        parts.push(r.string(r.int(1, maxLength), "0123456789 号第提案建议abc市政协五届二次会议、，。-_/\\"));
    }
  }
  return parts.join(r.pick(["", " ", "\n", "　"]));
}

/** Where a marked injection shows in the answer, it must be inert: no mention, link, tag, code, bold or block mark. */
export function injectionProblems(answer: string): string[] {
  const problems: string[] = [];
  if (answer.includes("<@")) problems.push("a mention (<@…) in an answer to user text");
  const blockOpened = new RegExp(`^\\s*(#+|>|-|\\+|\\d+\\.)\\s+${MARK}`);
  const markupAround = new RegExp(`[<>[\\]\`*]${MARK}|${MARK}[<>[\\]\`*]`);
  for (const line of answer.split("\n")) {
    if (!line.includes(MARK)) continue;
    if (blockOpened.test(line)) problems.push(`user text opens a Markdown block: ${JSON.stringify(line)}`);
    if (markupAround.test(line)) problems.push(`user Markdown survives around the marker: ${JSON.stringify(line)}`);
    if (/\]\(|<font|<\/font>|!\[/.test(line))
      problems.push(`a link, image or font tag on a line with user text: ${JSON.stringify(line)}`);
  }
  return problems;
}
