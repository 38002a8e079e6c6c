// The registry: every command is listed here, once. `answerMessage` finds the asker, the command, and runs it.
import type { IncomingMessage } from "../bot/message.ts";
import { closestNames } from "../casework/suggest.ts";
import type { Db } from "../db/client.ts";
import { type CalendarDate, todayIn } from "../domain/calendar.ts";
import { adjustCommand } from "./adjust.ts";
import { type AnswerCache, createAnswerCache } from "./answer-cache.ts";
import { approveCommand } from "./approve.ts";
import { findAsker } from "./asker.ts";
import { bindCommand } from "./bind.ts";
import type { Command, Member } from "./command.ts";
import { contactCommand } from "./contact.ts";
import { dueCommand } from "./due.ts";
import { extendCommand } from "./extend.ts";
import { feedbackCommand } from "./feedback.ts";
import { helpCommand } from "./help.ts";
import { memberCommand } from "./member.ts";
import { notAllowed, STRANGER, unknownCommand } from "./messages.ts";
import { mineCommand } from "./mine.ts";
import { opinionCommand } from "./opinion.ts";
import { overdueCommand } from "./overdue.ts";
import { progressCommand } from "./progress.ts";
import { publishCommand } from "./publish.ts";
import { refuseCommand } from "./refuse.ts";
import { replyCommand } from "./reply.ts";
import { signCommand } from "./sign.ts";
import { statsCommand } from "./stats.ts";
import { statusCommand } from "./status.ts";
import { summaryCommand } from "./summary.ts";
import { splitCommand } from "./text.ts";
import { unitCommand } from "./unit.ts";

export const COMMANDS: Command[] = [
  helpCommand(() => COMMANDS),
  statusCommand,
  mineCommand,
  unitCommand,
  dueCommand,
  overdueCommand,
  progressCommand,
  statsCommand,
  summaryCommand,
  signCommand,
  contactCommand,
  opinionCommand,
  replyCommand,
  feedbackCommand,
  publishCommand,
  extendCommand,
  adjustCommand,
  approveCommand,
  refuseCommand,
  memberCommand,
  bindCommand,
];

export function findCommand(word: string): Command | undefined {
  const w = word.toLowerCase();
  return COMMANDS.find((c) => c.name === word || c.aliases.includes(w));
}

export function mayUse(command: Command, member: Member): boolean {
  return command.allowed?.(member) ?? true;
}

export interface AnswerOptions {
  /** Today in the cases' time zone; tests pass a fixed day. */
  today?: () => CalendarDate;
}

/** 统计, 总结 and 进度 count the whole record in scope; their answers are kept while the record stays as it was. */
const COUNTED = new Set(["统计", "总结", "进度"]);
const answerCaches = new WeakMap<Db, AnswerCache>();

export async function answerMessage(db: Db, message: IncomingMessage, options: AnswerOptions = {}): Promise<string> {
  const { member, chat } = await findAsker(db, message.userid, message.chatId);
  if (!member) return STRANGER;
  const { word, args } = splitCommand(message.text);
  const command = findCommand(word || "帮助");
  if (!command) {
    const names = COMMANDS.filter((c) => mayUse(c, member)).flatMap((c) => [c.name, ...c.aliases]);
    return unknownCommand(word, closestNames(word, names));
  }
  if (!mayUse(command, member)) return notAllowed(command.name, command.refusal);
  const today = options.today?.() ?? todayIn(process.env.TZ_CASES || "Asia/Shanghai");
  const run = () => command.run({ db, message, args, member, chat, today });
  if (!COUNTED.has(command.name)) return run();
  const cache = answerCaches.get(db) ?? createAnswerCache();
  answerCaches.set(db, cache);
  return cache.answer(db, { command: command.name, args, member, today }, run);
}
