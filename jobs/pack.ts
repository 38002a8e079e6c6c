// Packs a digest into the fewest messages WeCom accepts: sections (a header, then lines) filled greedily up to the
// 4096-byte Markdown limit, the header repeated with "（续）" on a continuation, so no line is ever cut or dropped.
// Each piece knows which record ids it carries, so they are marked sent right after that piece is confirmed.
import { byteLength, splitToFit, WEBHOOK_MARKDOWN_MAX_BYTES } from "../bot/limits.ts";

export interface DigestLine<Id> {
  text: string;
  ids: Id[];
}

export interface DigestSection<Id> {
  header: string;
  lines: DigestLine<Id>[];
}

export interface Piece<Id> {
  markdown: string;
  ids: Id[];
}

export function packDigest<Id>(
  title: string,
  sections: DigestSection<Id>[],
  maxBytes: number = WEBHOOK_MARKDOWN_MAX_BYTES,
): Piece<Id>[] {
  const pieces: Piece<Id>[] = [];
  let text = title;
  let ids: Id[] = [];
  let lines = 0;
  const flush = () => {
    if (lines > 0) pieces.push({ markdown: text, ids });
    text = `${title}（续）`;
    ids = [];
    lines = 0;
  };
  for (const section of sections) {
    let headerShown = false;
    for (const line of section.lines) {
      const header = headerShown ? "" : `\n${section.header}${lines === 0 && pieces.length > 0 ? "（续）" : ""}`;
      const addition = `${header}\n${line.text}`;
      if (lines > 0 && byteLength(text) + byteLength(addition) > maxBytes) {
        flush();
        headerShown = false;
        const again = `\n${section.header}（续）\n${line.text}`;
        add(again, line);
      } else {
        add(addition, line);
      }
      headerShown = true;
    }
  }
  flush();
  return pieces;

  function add(addition: string, line: DigestLine<Id>) {
    const candidate = text + addition;
    if (byteLength(candidate) <= maxBytes) {
      text = candidate;
      ids.push(...line.ids);
      lines += 1;
      return;
    }
    // One line longer than a whole message (a very long title): WeCom's limit wins, cut at line/character bounds.
    const parts = splitToFit(candidate, maxBytes);
    for (const part of parts.slice(0, -1)) pieces.push({ markdown: part, ids: [] });
    text = parts.at(-1) ?? "";
    ids.push(...line.ids);
    lines += 1;
  }
}
