// WeCom's byte limits (UTF-8 bytes, not characters: a Chinese character is 3 bytes), and splitting a message to fit
// them without cutting a character, a mention, or a line in two.

/** stream reply content (智能机器人). */
export const STREAM_MAX_BYTES = 20480;
/** 消息推送 markdown.content; longer gets errcode 40058. */
export const WEBHOOK_MARKDOWN_MAX_BYTES = 4096;
/** 消息推送 text.content. */
export const WEBHOOK_TEXT_MAX_BYTES = 2048;

const encoder = new TextEncoder();

export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** The longest prefix of `text` within `maxBytes`, cut at a code point and never inside a `<@userid>` mention. */
function cutWithin(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = byteLength(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  const openMention = text.lastIndexOf("<@", end);
  if (openMention >= 0 && text.indexOf(">", openMention) >= end && openMention > 0) end = openMention;
  return text.slice(0, end);
}

/**
 * Splits `text` into pieces of at most `maxBytes` each, in order, at line boundaries; only a single line longer than
 * the limit is cut, at a character boundary outside mentions (a mention longer than the limit cannot be kept whole).
 * Nothing readable is lost: where a piece ends at a line boundary only the "\n" between the pieces is dropped, so
 * without over-long lines `pieces.join("\n") === text`, blank lines included, except that no piece is blank (unless
 * `text` is): blank lines that would make a piece of their own are left out, as WeCom would refuse it.
 */
export function splitToFit(text: string, maxBytes: number): string[] {
  if (byteLength(text) <= maxBytes) return [text];
  const pieces: string[] = [];
  // null, not "": an empty current piece may still hold a blank line that must not be dropped.
  let current: string | null = null;
  const flush = () => {
    if (current !== null && current.trim() !== "") pieces.push(current);
  };
  for (const line of text.split("\n")) {
    const candidate: string = current === null ? line : `${current}\n${line}`;
    if (byteLength(candidate) <= maxBytes) {
      current = candidate;
      continue;
    }
    flush();
    let rest = line;
    while (byteLength(rest) > maxBytes) {
      const head = cutWithin(rest, maxBytes);
      if (head === "") throw new RangeError(`splitToFit: ${maxBytes} bytes cannot hold one character`);
      pieces.push(head);
      rest = rest.slice(head.length);
    }
    current = rest;
  }
  flush();
  return pieces;
}
