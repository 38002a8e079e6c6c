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
      WECOM_BOT_ID: "bot-without-secret",
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
        "WECOM_BOT_SECRET", // a missing partner is reported with the rest, not after they are fixed
      ].sort(),
    );
    expect(problems.find((p) => p.startsWith("NOTIFY_HOURS"))).toContain("HH:MM-HH:MM");
    expect(problems.find((p) => p.startsWith("PORT"))).toBe(
      'PORT (got "70000"): must be a port number between 1 and 65535',
    );
    expect(problemsOf({ PORT: "abc" })).toEqual(['PORT (got "abc"): must be a port number between 1 and 65535']);
  });

  it("never echoes secrets in its messages", () => {
    const problems = problemsOf({
      ADMIN_TOKEN: "tooShort-secret",
      DATABASE_URL: "mysql://casebot:db-password@host/db",
      REDIS_URL: "http://:redis-password@host",
    });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).not.toMatch(/tooShort-secret|db-password|redis-password/);
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
