// Plays WeCom's HTTP API on 127.0.0.1, strictly, and records every request (accepted or not) in arrival order with
// its arrival time on the fake's clock (pass the test's FakeClock to share time with the code under test).
//
//   const wecom = await startFakeWecomHttp({ clock, keys: ["k1"] });
//   wecom.webhookUrl("k1")                     // http://127.0.0.1:PORT/cgi-bin/webhook/send?key=k1
//   wecom.sent("k1")                           // accepted webhook messages of k1: [{ at, body: { msgtype, … } }, …]
//   wecom.rejected()                           // every request not accepted, with what it was answered
//   const url = wecom.responseUrl();           // a one-use response_url (valid 1 hour on the clock)
//   wecom.responses(url)                       // accepted POSTs to it (0 or 1): [{ at, body: { msgtype: "markdown", … } }]
//   wecom.failNext(2, { status: 502 })         // the next 2 requests (any endpoint) fail so; also { errcode },
//                                              // "drop" (socket destroyed) or "hang" (never answered)
//   await wecom.close();
//
// Endpoints: POST /cgi-bin/webhook/send?key= (text, markdown, markdown_v2, image, news, file, voice, template_card),
// POST /cgi-bin/webhook/upload_media?key=&type=file|voice (multipart field `media`, 5 B–20 MB → media_id),
// POST the response_url ({ msgtype: "markdown", markdown: { content ≤ 20480 bytes } }, usable once).
// API errors are HTTP 200 with { errcode, errmsg }. Unknown keys get 93000. A key gets at most 20 messages in any
// 60 s (counting every request that reached validation); over that, 45009 and a 60-s ban. WeCom documents 93000,
// 45009 and 40058 (too long) for the webhook; the other codes below are its generic ones (see CODES).
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../../bot/rate-limit.ts";
import { realClock } from "../../bot/rate-limit.ts";

export const CODES = {
  ok: 0,
  /** Unsupported or missing type / msgtype. */
  invalidType: 40005,
  invalidFileSize: 40006,
  invalidMediaId: 40007,
  invalidMessageType: 40008,
  /** Missing or malformed field, content over its byte limit, used or expired response_url. */
  invalidParameter: 40058,
  rateLimited: 45009,
  /** Webhook key invalid, or the robot was removed from its group. */
  robotRemoved: 93000,
} as const;

export const LIMITS = {
  text: 2048,
  markdown: 4096,
  responseMarkdown: 20480,
  imageBytes: 2 * 1024 * 1024,
  mediaMinBytes: 5,
  mediaMaxBytes: 20 * 1024 * 1024,
  perMinute: 20,
  windowMs: 60_000,
  banMs: 60_000,
  responseUrlMs: 3_600_000,
  mediaMs: 3 * 24 * 3_600_000,
} as const;

export type Failure = { status: number } | { errcode: number; errmsg?: string } | "drop" | "hang";

export interface RecordedRequest {
  /** Arrival time on the fake's clock. */
  at: number;
  endpoint: "send" | "upload_media" | "response" | "other";
  /** The webhook key, or the response_url's code. */
  key: string;
  /** Parsed JSON (send, response); { filename, bytes } for uploads; the raw text when not JSON. */
  body: unknown;
  answer: { status: number; errcode?: number; errmsg?: string } | "dropped" | "hung";
}

export interface FakeWecomHttp {
  /** http://127.0.0.1:PORT */
  url: string;
  webhookUrl(key: string): string;
  addKey(key: string): void;
  /** From now on the key gets 93000, as after the robot was removed from its group. */
  removeKey(key: string): void;
  failNext(count: number, failure: Failure): void;
  responseUrl(): string;
  requests(): RecordedRequest[];
  sent(key: string): RecordedRequest[];
  rejected(): RecordedRequest[];
  responses(url: string): RecordedRequest[];
  close(): Promise<void>;
}

type Verdict = { errcode: number; errmsg: string } | null;
type Outcome = { body: unknown; verdict: Verdict; extra?: Record<string, string> };
const bad = (errcode: number, errmsg: string): Verdict => ({ errcode, errmsg });
const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const isStringList = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((x) => typeof x === "string"));

function checkContent(part: unknown, max: number, name: string): Verdict {
  if (!isObject(part) || typeof part.content !== "string" || part.content === "") {
    return bad(CODES.invalidParameter, `${name}.content missing`);
  }
  const size = bytes(part.content);
  return size > max ? bad(CODES.invalidParameter, `${name}.content exceed max length ${max}, got ${size}`) : null;
}

export async function startFakeWecomHttp(options: { clock?: Clock; keys?: string[] } = {}): Promise<FakeWecomHttp> {
  const clock = options.clock ?? realClock;
  const keys = new Set(options.keys ?? []);
  const records: RecordedRequest[] = [];
  const failures: Failure[] = [];
  const bannedUntil = new Map<string, number>();
  const counted = new Map<string, number[]>();
  const media = new Map<string, number>(); // media_id → expiry
  const responseCodes = new Map<string, { expires: number; used: boolean }>();

  function checkMessage(body: unknown): Verdict {
    if (!isObject(body) || typeof body.msgtype !== "string") return bad(CODES.invalidMessageType, "msgtype missing");
    const part = body[body.msgtype];
    switch (body.msgtype) {
      case "text":
        if (!isObject(part) || !isStringList(part.mentioned_list) || !isStringList(part.mentioned_mobile_list)) {
          return bad(CODES.invalidParameter, "text.mentioned_list must be a list of strings");
        }
        return checkContent(part, LIMITS.text, "text");
      case "markdown":
      case "markdown_v2":
        return checkContent(part, LIMITS.markdown, body.msgtype);
      case "image": {
        if (!isObject(part) || typeof part.base64 !== "string" || typeof part.md5 !== "string") {
          return bad(CODES.invalidParameter, "image.base64 and image.md5 required");
        }
        const raw = Buffer.from(part.base64, "base64");
        if (raw.length === 0 || raw.length > LIMITS.imageBytes) return bad(CODES.invalidParameter, "image size");
        const md5 = createHash("md5").update(raw).digest("hex");
        return md5 === part.md5.toLowerCase() ? null : bad(CODES.invalidParameter, "image.md5 mismatch");
      }
      case "news": {
        const articles = isObject(part) ? part.articles : undefined;
        if (!Array.isArray(articles) || articles.length < 1 || articles.length > 8) {
          return bad(CODES.invalidParameter, "news.articles must hold 1 to 8 articles");
        }
        const ok = articles.every((a) => isObject(a) && typeof a.title === "string" && a.title !== "" && a.url);
        return ok ? null : bad(CODES.invalidParameter, "news article needs title and url");
      }
      case "file":
      case "voice": {
        const id = isObject(part) ? part.media_id : undefined;
        const expires = typeof id === "string" ? media.get(id) : undefined;
        return expires !== undefined && expires > clock.now() ? null : bad(CODES.invalidMediaId, "invalid media_id");
      }
      case "template_card":
        return isObject(part) && typeof part.card_type === "string"
          ? null
          : bad(CODES.invalidParameter, "template_card.card_type required");
      default:
        return bad(CODES.invalidMessageType, `invalid msgtype ${body.msgtype}`);
    }
  }

  /** Rate limit per key on the fake's clock: 20 in any 60 s, else 45009 and a 60-s ban. */
  function rateVerdict(key: string, now: number): Verdict {
    if ((bannedUntil.get(key) ?? Number.NEGATIVE_INFINITY) > now)
      return bad(CODES.rateLimited, "api freq out of limit");
    const recent = (counted.get(key) ?? []).filter((t) => t > now - LIMITS.windowMs);
    if (recent.length >= LIMITS.perMinute) {
      bannedUntil.set(key, now + LIMITS.banMs);
      return bad(CODES.rateLimited, "api freq out of limit");
    }
    recent.push(now);
    counted.set(key, recent);
    return null;
  }

  function handleSend(key: string, text: string, at: number): Outcome {
    if (!keys.has(key)) return { body: text, verdict: bad(CODES.robotRemoved, "invalid webhook url") };
    const limited = rateVerdict(key, at);
    if (limited) return { body: text, verdict: limited };
    const body = parseJson(text);
    return { body, verdict: body === undefined ? bad(CODES.invalidParameter, "invalid json") : checkMessage(body) };
  }

  function handleUpload(key: string, type: string | null, raw: Buffer, contentType: string): Outcome {
    if (!keys.has(key)) return { body: null, verdict: bad(CODES.robotRemoved, "invalid webhook url") };
    if (type !== "file" && type !== "voice") return { body: null, verdict: bad(CODES.invalidType, "invalid type") };
    const file = multipartField(raw, contentType, "media");
    if (!file) return { body: null, verdict: bad(CODES.invalidParameter, "media field missing") };
    const body = { filename: file.filename, bytes: file.data.length };
    if (file.data.length < LIMITS.mediaMinBytes || file.data.length > LIMITS.mediaMaxBytes) {
      return { body, verdict: bad(CODES.invalidFileSize, "invalid file size") };
    }
    const mediaId = randomBytes(16).toString("hex");
    media.set(mediaId, clock.now() + LIMITS.mediaMs);
    return { body, verdict: null, extra: { type, media_id: mediaId, created_at: `${Math.floor(clock.now() / 1000)}` } };
  }

  function handleResponse(code: string, text: string): Outcome {
    const entry = responseCodes.get(code);
    const refused = !entry
      ? "invalid response_code"
      : entry.used
        ? "response_code already used"
        : entry.expires <= clock.now()
          ? "response_code expired"
          : null;
    if (!entry || refused) return { body: text, verdict: bad(CODES.invalidParameter, refused ?? "") };
    entry.used = true;
    const body = parseJson(text);
    if (!isObject(body) || body.msgtype !== "markdown") {
      return { body: body ?? text, verdict: bad(CODES.invalidMessageType, "markdown only") };
    }
    return { body, verdict: checkContent(body.markdown, LIMITS.responseMarkdown, "markdown") };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = clock.now();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const endpoint =
      url.pathname === "/cgi-bin/webhook/send"
        ? "send"
        : url.pathname === "/cgi-bin/webhook/upload_media"
          ? "upload_media"
          : url.pathname === "/cgi-bin/aibot/response"
            ? "response"
            : "other";
    const key = (endpoint === "response" ? url.searchParams.get("response_code") : url.searchParams.get("key")) ?? "";
    const raw = await readBody(req, endpoint === "upload_media" ? LIMITS.mediaMaxBytes + 1024 * 1024 : 8 * 1024 * 1024);
    const record = (answer: RecordedRequest["answer"], body: unknown) =>
      records.push({ at, endpoint, key, body, answer });

    const failure = failures.shift();
    if (failure === "drop") {
      record("dropped", raw.toString("utf8"));
      req.socket.destroy();
      return;
    }
    if (failure === "hang") {
      record("hung", raw.toString("utf8"));
      return; // the client times out; close() ends the socket
    }
    if (failure && "status" in failure) {
      record({ status: failure.status }, raw.toString("utf8"));
      res.writeHead(failure.status, { "content-type": "text/html" }).end("<html>server error</html>");
      return;
    }
    if (req.method !== "POST" || endpoint === "other") {
      const status = endpoint === "other" ? 404 : 405;
      record({ status }, raw.toString("utf8"));
      res.writeHead(status).end();
      return;
    }
    let outcome: Outcome;
    if (failure) outcome = { body: raw.toString("utf8"), verdict: bad(failure.errcode, failure.errmsg ?? "injected") };
    else if (endpoint === "send") outcome = handleSend(key, raw.toString("utf8"), at);
    else if (endpoint === "response") outcome = handleResponse(key, raw.toString("utf8"));
    else outcome = handleUpload(key, url.searchParams.get("type"), raw, req.headers["content-type"] ?? "");
    const answer = outcome.verdict ?? { errcode: CODES.ok, errmsg: "ok" };
    record({ status: 200, ...answer }, outcome.body);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...answer, ...outcome.extra }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const accepted = (r: RecordedRequest) => typeof r.answer === "object" && r.answer.errcode === CODES.ok;
  return {
    url: base,
    webhookUrl: (key) => `${base}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`,
    addKey: (key) => void keys.add(key),
    removeKey: (key) => void keys.delete(key),
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    responseUrl() {
      const code = randomBytes(12).toString("hex");
      responseCodes.set(code, { expires: clock.now() + LIMITS.responseUrlMs, used: false });
      return `${base}/cgi-bin/aibot/response?response_code=${code}`;
    },
    requests: () => [...records],
    sent: (key) => records.filter((r) => r.endpoint === "send" && r.key === key && accepted(r)),
    rejected: () => records.filter((r) => !accepted(r)),
    responses(url) {
      const code = new URL(url).searchParams.get("response_code");
      return records.filter((r) => r.endpoint === "response" && r.key === code && accepted(r));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads the body, keeping at most `max` bytes (a longer one is cut, so its size check fails). */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (size < max) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks);
}

/** The named field of a multipart/form-data body (just enough of RFC 7578 for uploads). */
function multipartField(raw: Buffer, contentType: string, name: string): { filename: string; data: Buffer } | null {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!contentType.startsWith("multipart/form-data") || !boundary) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  let start = raw.indexOf(delimiter);
  while (start >= 0) {
    const headersEnd = raw.indexOf("\r\n\r\n", start);
    const next = raw.indexOf(delimiter, start + delimiter.length);
    if (headersEnd < 0 || next < 0) return null;
    const headers = raw.subarray(start + delimiter.length, headersEnd).toString("utf8");
    if (new RegExp(`name="${name}"`).test(headers)) {
      const filename = /filename="([^"]*)"/.exec(headers)?.[1] ?? "";
      return { filename, data: raw.subarray(headersEnd + 4, next - 2) }; // -2: the CRLF before the delimiter
    }
    start = next;
  }
  return null;
}
