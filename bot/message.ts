// The one internal shape of a chat message, whatever transport brought it (long connection, callback, console).

export type Transport = "long-connection" | "callback" | "console";

export interface IncomingMessage {
  /** WeCom's message id; the console makes its own. Duplicates are answered once. */
  msgid: string;
  transport: Transport;
  chatType: "group" | "single";
  /** The group's chatid; null in a single chat. */
  chatId: string | null;
  /** The sender's WeCom userid. */
  userid: string;
  /** As typed, mention included ("@督办助手 /查 205"). */
  text: string;
}

/** A notice the bot pushes by itself (交办, reminders, digests): Markdown with `<@userid>` mentions. */
export interface Notice {
  /** Target group chatid; null means the office's default group (the default webhook). */
  chatId: string | null;
  markdown: string;
}

/** What every outbound channel offers: push a notice, resolved only once WeCom confirmed it. */
export interface PushChannel {
  push(notice: Notice): Promise<void>;
}

/** Longest msgid, userid or chatid taken. WeCom's are far shorter; a longer one is not WeCom's (and would not fit
 * PostgreSQL's index on msgid). */
export const MAX_ID_LENGTH = 256;

/**
 * Whether `value` can be a WeCom id: 1 to MAX_ID_LENGTH printable ASCII characters without spaces. Userids are
 * letters, digits and _-.@; msgids, chatids and req_ids are ASCII tokens.
 */
export function isWecomId(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_ID_LENGTH && /^[!-~]+$/.test(value);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text as the commands may see it: control characters other than line breaks and tabs dropped (PostgreSQL refuses
 * NUL in text, and the others only hide what was typed), half emoji (lone surrogates) replaced.
 */
export function cleanText(text: string): string {
  return text.replace(/[^\P{Cc}\n\t]/gu, "").replace(LONE_SURROGATE, "\ufffd");
}
