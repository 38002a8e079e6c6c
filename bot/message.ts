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
