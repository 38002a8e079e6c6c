// The inbound pipeline every transport feeds: take the message once (by msgid, in PostgreSQL so it holds across
// restarts and across instances), slow down a person who floods, hand it to the commands, and give back the
// Markdown to send on that transport.
import type { Db } from "../db/client.ts";
import { cleanText, type IncomingMessage, isWecomId } from "./message.ts";
import { maskPhoneNumbers } from "./render.ts";
import { createUserRateLimiter, DEFAULT_USER_RATE_LIMIT, slowedAnswer, type UserRateLimit } from "./user-rate.ts";

export type Answerer = (message: IncomingMessage) => Promise<string>;

export interface Pipeline {
  /**
   * The Markdown answer, or null when there is nothing to say: this msgid was taken before (a duplicate delivery),
   * or its sender is over the rate limit and has been told so already.
   */
  receive(message: IncomingMessage): Promise<string | null>;
}

export const FAILURE_ANSWER = "抱歉，处理这条消息时出错了，请稍后再试；问题已记录，督办室会跟进。";

export function createPipeline(deps: {
  db: Db;
  answer: Answerer;
  onError?: (error: unknown, message: IncomingMessage) => void;
  /**
   * Per-person limit on WeCom messages; default DEFAULT_USER_RATE_LIMIT, false for none. The local console is never
   * limited: it serves only this machine, where one operator speaks as whichever member they pick.
   */
  rateLimit?: UserRateLimit | false;
  /** Time for the rate limit; tests pass a fake one. */
  now?: () => number;
}): Pipeline {
  const limit = deps.rateLimit === undefined ? DEFAULT_USER_RATE_LIMIT : deps.rateLimit;
  const limiter = limit ? createUserRateLimiter(limit, deps.now) : null;
  return {
    async receive(incoming) {
      const { msgid, userid, chatId } = incoming;
      // The transports check these; this is the last guard before they reach SQL.
      if (!isWecomId(msgid) || !isWecomId(userid) || (chatId !== null && !isWecomId(chatId))) {
        throw new TypeError("message without a usable msgid, userid or chatid");
      }
      const message = { ...incoming, text: cleanText(incoming.text) };
      // The marker commits without waiting for its WAL flush (set_config(…, true) lasts for this one statement's
      // transaction): a crash may lose the last few markers, and then only means a question is answered twice. A
      // command that changes the record commits durably in its own transaction.
      const taken = await deps.db.$executeRaw`
        INSERT INTO "InboundMessage" ("msgid", "transport", "userid", "chatId")
        SELECT ${msgid}, ${message.transport}, ${userid}, ${chatId}
        FROM (SELECT set_config('synchronous_commit', 'off', true)) AS lazy_commit
        ON CONFLICT ("msgid") DO NOTHING`;
      if (taken === 0) return null;
      let markdown: string | null;
      const verdict = limiter && message.transport !== "console" ? limiter.take(userid) : { kind: "ok" as const };
      if (verdict.kind === "quiet") markdown = null;
      else if (verdict.kind === "tell" && limit) markdown = slowedAnswer(limit, verdict.waitMs);
      else {
        try {
          markdown = await deps.answer(message);
        } catch (error) {
          deps.onError?.(error, message);
          markdown = FAILURE_ANSWER;
        }
      }
      await deps.db.$executeRaw`
        UPDATE "InboundMessage" SET "answeredAt" = now()
        FROM (SELECT set_config('synchronous_commit', 'off', true)) AS lazy_commit
        WHERE "msgid" = ${msgid}`;
      // Proposers write their mobile numbers into case texts; a group is not the place to show them whole.
      return markdown !== null && message.chatType === "group" ? maskPhoneNumbers(markdown) : markdown;
    },
  };
}
