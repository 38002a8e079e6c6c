// Configuration from the environment, validated once at start. Every bad value is reported with its name and what
// was expected, all at once, so an operator fixes .env in one go. See .env.example.
import { existsSync } from "node:fs";
import { z } from "zod";

const optional = z
  .string()
  .trim()
  .transform((s) => (s === "" ? undefined : s))
  .optional();

const url = (protocols: string[], example: string) =>
  z
    .string()
    .trim()
    .refine(
      (s) => {
        try {
          return protocols.includes(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      `must be a ${protocols.join(" or ")} URL, e.g. ${example}`,
    );

const hours = z
  .string()
  .trim()
  .refine(
    (s) => s === "always" || /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(s),
    'must be "HH:MM-HH:MM" (e.g. 09:00-17:30) or "always"',
  );

const timeZone = z
  .string()
  .trim()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone such as Asia/Shanghai");

const schema = z.object({
  DATABASE_URL: optional.pipe(url(["postgres:", "postgresql:"], "postgresql://user@host:5432/casebot").optional()),
  REDIS_URL: url(["redis:", "rediss:"], "redis://127.0.0.1:6379").default("redis://127.0.0.1:6379"),
  PORT: z.coerce
    .number({ error: "must be a port number between 1 and 65535" })
    .int("must be a port number between 1 and 65535")
    .min(1, "must be a port number between 1 and 65535")
    .max(65535, "must be a port number between 1 and 65535")
    .default(3000),
  WECOM_BOT_ID: optional,
  WECOM_BOT_SECRET: optional,
  WECOM_WS_URL: url(["wss:", "ws:"], "wss://openws.work.weixin.qq.com").default("wss://openws.work.weixin.qq.com"),
  WECOM_WEBHOOK_URL: optional.pipe(
    url(["https:", "http:"], "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY")
      .refine((s) => new URL(s).searchParams.get("key"), "must contain key=…")
      .optional(),
  ),
  WECOM_CALLBACK_TOKEN: optional,
  WECOM_CALLBACK_AES_KEY: optional.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9]{43}$/, "must be the 43-character EncodingAESKey from the WeCom admin console")
      .optional(),
  ),
  ADMIN_TOKEN: optional.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  TZ_CASES: timeZone.default("Asia/Shanghai"),
  NOTIFY_HOURS: hours.default("09:00-17:30"),
  NOTIFY_WORKDAYS_ONLY: z
    .enum(["true", "false"], 'must be "true" or "false"')
    .default("true")
    .transform((s) => s === "true"),
  DATA_DIR: z.string().trim().default("./data"),
  HOLIDAYS_FILE: optional,
});

/** Settings that only make sense together; checked on the raw values, so these show up with every other problem. */
function pairProblems(source: NodeJS.ProcessEnv): string[] {
  const set = (name: string) => Boolean(source[name]?.trim());
  const pairs: [string, string][] = [
    ["WECOM_BOT_ID", "WECOM_BOT_SECRET"],
    ["WECOM_CALLBACK_TOKEN", "WECOM_CALLBACK_AES_KEY"],
  ];
  return pairs
    .filter(([a, b]) => set(a) !== set(b))
    .map(([a, b]) => `${set(a) ? b : a}: ${a} and ${b} go together: set both or neither`);
}

export type Env = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Reads ./.env into process.env when present; variables already set in the environment win. */
export function loadDotEnv(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = schema.safeParse(source);
  const pairs = pairProblems(source);
  if (result.success && pairs.length === 0) return result.data;
  const problems = (result.error?.issues ?? []).map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    const given = typeof issue.path[0] === "string" ? source[issue.path[0]] : undefined;
    // URLs may carry a password or a webhook key: never echoed.
    const secret = /SECRET|TOKEN|KEY|DATABASE_URL|REDIS_URL|WEBHOOK_URL/.test(name);
    const shown = given === undefined || secret ? "" : ` (got "${given}")`;
    return `${name}${shown}: ${issue.message}`;
  });
  throw new ConfigError([...problems, ...pairs]);
}

/** True when the bot can reach real WeCom people (any transport, or a push webhook): demo data is never loaded then. */
export function hasWecomCredentials(env: Env): boolean {
  return Boolean(env.WECOM_BOT_ID || env.WECOM_CALLBACK_TOKEN || env.WECOM_WEBHOOK_URL);
}
