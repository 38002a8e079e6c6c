import { describe, expect, it } from "vitest";
import type { Notice, PushChannel } from "../../bot/message.ts";
import { createPushRouter } from "../../bot/push.ts";
import { PushError } from "../../bot/webhook.ts";

function recorder(): PushChannel & { got: Notice[] } {
  const got: Notice[] = [];
  return { got, push: async (notice) => void got.push(notice) };
}

const notice = (chatId: string | null): Notice => ({ chatId, markdown: "**交办通知** <@wangfang>" });

describe("routing a notice to a channel", () => {
  it("shows everything in the local console when there is one", async () => {
    const console = recorder();
    const webhook = recorder();
    const router = createPushRouter({ console, webhook, hasWebhook: async () => true });
    await router.push(notice("chat-1"));
    expect(console.got).toHaveLength(1);
    expect(webhook.got).toHaveLength(0);
  });

  it("prefers a group's webhook, and falls back to the long connection for groups without one", async () => {
    const webhook = recorder();
    const longConnection = recorder();
    const router = createPushRouter({ webhook, longConnection, hasWebhook: async (chatId) => chatId === "with-hook" });
    await router.push(notice("with-hook"));
    await router.push(notice("without-hook"));
    expect(webhook.got.map((n) => n.chatId)).toEqual(["with-hook"]);
    expect(longConnection.got.map((n) => n.chatId)).toEqual(["without-hook"]);
  });

  it("refuses, permanently, a notice no channel can carry", async () => {
    const router = createPushRouter({ longConnection: recorder(), hasWebhook: async () => false });
    const failure = await router.push(notice(null)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PushError);
    expect((failure as PushError).permanent).toBe(true);
  });
});
