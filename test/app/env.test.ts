import { describe, expect, it } from "vitest";
import { ConfigError, hasWecomCredentials, loadEnv } from "../../app/env.ts";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("environment", () => {
  it("gives the documented defaults for an empty environment", () => {
    const env = loadEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(env.PORT).toBe(3000);
    expect(env.WECOM_WS_URL).toBe("wss://openws.work.weixin.qq.com");
    expect(env.TZ_CASES).toBe("Asia/Shanghai");
    expect(env.NOTIFY_HOURS).toBe("09:00-17:30");
    expect(env.NOTIFY_WORKDAYS_ONLY).toBe(true);
    expect(hasWecomCredentials(env)).toBe(false);
  });

  it("treats empty values as unset", () => {
    expect(loadEnv({ DATABASE_URL: "", WECOM_BOT_ID: " ", WECOM_BOT_SECRET: "" }).DATABASE_URL).toBeUndefined();
  });

  it("reports every bad value at once, each by name", () => {
    const problems = problemsOf({
      DATABASE_URL: "mysql://x",
      REDIS_URL: "localhost:6379",
      PORT: "70000",
      TZ_CASES: "Mars/Olympus",
      NOTIFY_HOURS: "9-17",
      NOTIFY_WORKDAYS_ONLY: "yes",
      WECOM_CALLBACK_TOKEN: "t",
      WECOM_CALLBACK_AES_KEY: "short",
      ADMIN_TOKEN: "123",
    });
    const names = problems.map((p) => p.split(/[ :]/)[0]);
    expect(names.sort()).toEqual(
      [
        "ADMIN_TOKEN",
        "DATABASE_URL",
        "NOTIFY_HOURS",
        "NOTIFY_WORKDAYS_ONLY",
        "PORT",
        "REDIS_URL",
        "TZ_CASES",
        "WECOM_CALLBACK_AES_KEY",
      ].sort(),
    );
    expect(problems.find((p) => p.startsWith("NOTIFY_HOURS"))).toContain("HH:MM-HH:MM");
  });

  it("never echoes secrets in its messages", () => {
    const problems = problemsOf({ ADMIN_TOKEN: "tooShort-secret" });
    expect(problems.join("\n")).not.toContain("tooShort-secret");
  });

  it("requires the bot id and secret together", () => {
    expect(problemsOf({ WECOM_BOT_ID: "bot" })).toEqual([
      "WECOM_BOT_SECRET: WECOM_BOT_ID and WECOM_BOT_SECRET go together: set both or neither",
    ]);
  });

  it("counts any WeCom transport or webhook as real credentials", () => {
    expect(hasWecomCredentials(loadEnv({ WECOM_BOT_ID: "b", WECOM_BOT_SECRET: "s" }))).toBe(true);
    expect(
      hasWecomCredentials(loadEnv({ WECOM_WEBHOOK_URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k" })),
    ).toBe(true);
    expect(problemsOf({ WECOM_WEBHOOK_URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send" })[0]).toContain("key=");
  });
});
