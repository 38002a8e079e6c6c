// The inbound pipeline every transport feeds: take the message once (by msgid, in PostgreSQL so it holds across
// restarts and across instances), slow down a person who floods, hand it to the commands, and give back the
// Markdown to send on that transport.
import { batched } from "../db/batched.ts";
import { type Db, plainExecute, plainRows } from "../db/client.ts";
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
  const markers = inboundMarkers(deps.db);
  return {
    async receive(incoming) {
      const { msgid, userid, chatId } = incoming;
      // The transports check these; this is the last guard before they reach SQL.
      if (!isWecomId(msgid) || !isWecomId(userid) || (chatId !== null && !isWecomId(chatId))) {
        throw new TypeError("message without a usable msgid, userid or chatid");
      }
      const message = { ...incoming, text: cleanText(incoming.text) };
      const taken = await markers.take({ msgid, transport: message.transport, userid, chatId });
      if (!taken) return null;
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
      await markers.answered(msgid);
      // Proposers write their mobile numbers into case texts; a group is not the place to show them whole.
      return markdown !== null && message.chatType === "group" ? maskPhoneNumbers(markdown) : markdown;
    },
  };
}

/**
 * The msgid markers, written for all the messages that arrive (or finish) while the event loop is busy as one
 * statement: under load, the two marker writes per message would otherwise be half of all the statements the bot
 * runs. Each marker commits without waiting for its WAL flush (set_config(…, true) lasts for that one statement's
 * transaction): a crash may lose the last few markers, which only means a question may be answered twice. A command
 * that changes the record commits durably in its own transaction.
 */
function inboundMarkers(db: Db) {
  interface Arrival {
    msgid: string;
    transport: string;
    userid: string;
    chatId: string | null;
  }
  const take = batched(async (arrivals: Arrival[]): Promise<boolean[]> => {
    const rows = await plainRows<{ msgid: string }>(
      db,
      `INSERT INTO "InboundMessage" ("msgid", "transport", "userid", "chatId")
        SELECT m.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS m,
          (SELECT set_config('synchronous_commit', 'off', true)) AS lazy_commit
        ON CONFLICT ("msgid") DO NOTHING
        RETURNING "msgid"`,
      [
        arrivals.map((a) => a.msgid),
        arrivals.map((a) => a.transport),
        arrivals.map((a) => a.userid),
        arrivals.map((a) => a.chatId),
      ],
    );
    // The same msgid twice in one batch is taken once: by the first.
    const fresh = new Set(rows.map((r) => r.msgid));
    return arrivals.map((a) => fresh.delete(a.msgid));
  });
  const answered = batched(async (msgids: string[]): Promise<null[]> => {
    await plainExecute(
      db,
      `UPDATE "InboundMessage" SET "answeredAt" = now()
        FROM (SELECT set_config('synchronous_commit', 'off', true)) AS lazy_commit
        WHERE "msgid" = ANY($1::text[])`,
      [msgids],
    );
    return msgids.map(() => null);
  });
  return { take, answered };
}
