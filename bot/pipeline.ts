// The inbound pipeline every transport feeds: take the message once (by msgid, in PostgreSQL so it holds across
// restarts and across instances), hand it to the commands, and give back the Markdown to send on that transport.
import type { Db } from "../db/client.ts";
import type { IncomingMessage } from "./message.ts";

export type Answerer = (message: IncomingMessage) => Promise<string>;

export interface Pipeline {
  /** The Markdown answer, or null when this msgid was taken before (a duplicate delivery: say nothing). */
  receive(message: IncomingMessage): Promise<string | null>;
}

export const FAILURE_ANSWER = "抱歉，处理这条消息时出错了，请稍后再试；问题已记录，督办室会跟进。";

export function createPipeline(deps: {
  db: Db;
  answer: Answerer;
  onError?: (error: unknown, message: IncomingMessage) => void;
}): Pipeline {
  return {
    async receive(message) {
      const taken = await deps.db.$executeRaw`
        INSERT INTO "InboundMessage" ("msgid", "transport", "userid", "chatId")
        VALUES (${message.msgid}, ${message.transport}, ${message.userid}, ${message.chatId})
        ON CONFLICT ("msgid") DO NOTHING`;
      if (taken === 0) return null;
      let markdown: string;
      try {
        markdown = await deps.answer(message);
      } catch (error) {
        deps.onError?.(error, message);
        markdown = FAILURE_ANSWER;
      }
      await deps.db.inboundMessage.update({ where: { msgid: message.msgid }, data: { answeredAt: new Date() } });
      return markdown;
    },
  };
}
