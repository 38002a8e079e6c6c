// What a chat command is: one spec per file, declared as data, so 帮助 is generated from the same place as the code.
import type { IncomingMessage } from "../bot/message.ts";
import type { Db, GroupChat, Person, Unit } from "../db/client.ts";
import type { CalendarDate } from "../domain/calendar.ts";

/** The member asking, with their unit. Strangers never reach a command. */
export type Member = Person & { unit: Unit | null };

export interface CommandContext {
  db: Db;
  message: IncomingMessage;
  /** The text after the command word, normalised (half-width, single spaces, trimmed). */
  args: string;
  member: Member;
  /** This group's binding (to a unit or the office); null in a single chat or an unbound group. */
  chat: GroupChat | null;
  /** Today in the cases' time zone (TZ_CASES). */
  today: CalendarDate;
}

export interface Command {
  /** Chinese name people type, e.g. "查". */
  name: string;
  /** Other names, e.g. the English alias "status". */
  aliases: string[];
  /** One line for the 帮助 list. */
  summary: string;
  /** Usage line, e.g. "查 <案号>". */
  usage: string;
  examples: string[];
  /** Who may use it; 帮助 lists only what the asker may use. Default: every member. */
  allowed?: (member: Member) => boolean;
  /** Said to others who try it: who may use it and what to ask instead. */
  refusal?: string;
  run(ctx: CommandContext): Promise<string>;
}
