// Plays WeCom's side of the 智能机器人 callback URL mode: encrypts and signs callbacks, posts them, and opens the
// passive replies. Its crypto is written here from the WXBizMsgCrypt description in wecom.md with Node's crypto,
// independently of @wecom/crypto, so tests check the bot's use of that package against the spec, not against itself.
// It is strict: a reply with a bad signature, nonce, padding, length or ReceiveId throws.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const PAD_BLOCK = 32;

function keyOf(aesKey: string): { key: Buffer; iv: Buffer } {
  const key = Buffer.from(`${aesKey}=`, "base64");
  if (key.length !== 32) throw new Error("EncodingAESKey must decode to 32 bytes");
  return { key, iv: key.subarray(0, 16) };
}

/** A fresh EncodingAESKey: 43 base64 characters for 32 random bytes. */
export function newAesKey(): string {
  return randomBytes(32).toString("base64").slice(0, 43);
}

/** msg_signature: sha1 hex of the sorted concatenation of token, timestamp, nonce and the ciphertext. */
export function sign(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash("sha1").update([token, timestamp, nonce, encrypt].sort().join("")).digest("hex");
}

export interface SealOptions {
  /** Defaults to "", the 智能机器人 ReceiveId. */
  receiveId?: string;
  /** Added to the 4-byte length field, to forge a wrong length. */
  lengthDelta?: number;
  /** Overrides the value of every padding byte, to forge bad PKCS#7 padding. */
  padByte?: number;
}

/** Encrypts as WeCom does: 16 random bytes + 4-byte big-endian length + message + ReceiveId, PKCS#7 to 32. */
export function seal(aesKey: string, message: string, options: SealOptions = {}): string {
  const { key, iv } = keyOf(aesKey);
  const msg = Buffer.from(message, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length + (options.lengthDelta ?? 0));
  const body = Buffer.concat([randomBytes(16), length, msg, Buffer.from(options.receiveId ?? "", "utf8")]);
  const padLength = PAD_BLOCK - (body.length % PAD_BLOCK);
  const padded = Buffer.concat([body, Buffer.alloc(padLength, options.padByte ?? padLength)]);
  const cipher = createCipheriv("aes-256-cbc", key, iv).setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString("base64");
}

/** Decrypts and checks everything WeCom would: padding, length field, and a ReceiveId of "". */
export function unseal(aesKey: string, encrypt: string): string {
  const { key, iv } = keyOf(aesKey);
  const decipher = createDecipheriv("aes-256-cbc", key, iv).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypt, "base64")), decipher.final()]);
  const padLength = plain.at(-1) ?? 0;
  if (padLength < 1 || padLength > PAD_BLOCK || plain.length % PAD_BLOCK !== 0) throw new Error("bad padding");
  if (!plain.subarray(plain.length - padLength).every((b) => b === padLength)) throw new Error("bad padding");
  const body = plain.subarray(0, plain.length - padLength);
  const length = body.readUInt32BE(16);
  if (20 + length > body.length) throw new Error("length field beyond the message");
  const receiveId = body.subarray(20 + length).toString("utf8");
  if (receiveId !== "") throw new Error(`ReceiveId is ${JSON.stringify(receiveId)}, expected ""`);
  return body.subarray(20, 20 + length).toString("utf8");
}

export interface TextInput {
  userid: string;
  /** Present: a group message (chattype group); absent: a single chat. */
  chatid?: string;
  text: string;
  msgid?: string;
  responseUrl?: string;
}

/** The decrypted callback body of a text message, as WeCom documents it. */
export function textPayload(input: TextInput): Record<string, unknown> {
  return {
    msgid: input.msgid ?? randomBytes(12).toString("base64"),
    aibotid: "AIBOTID",
    ...(input.chatid ? { chatid: input.chatid, chattype: "group" } : { chattype: "single" }),
    from: { userid: input.userid },
    ...(input.responseUrl ? { response_url: input.responseUrl } : {}),
    msgtype: "text",
    text: { content: input.text },
  };
}

/** How to sign a request; the defaults make a genuine one. */
export interface Signing {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  nonce?: string;
  /** Sign with this token instead of the right one: a forgery. */
  token?: string;
  /** Send this msg_signature verbatim. */
  signature?: string;
}

export interface RawResponse {
  status: number;
  body: string;
  /** The nonce the request carried, which an encrypted reply must repeat. */
  nonce: string;
}

/** The body as sent: unlike Response.text(), keeps a leading BOM, so a reply carrying one is caught. */
async function bodyOf(res: Response): Promise<string> {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer());
}

export interface CallbackClientOptions {
  /** E.g. http://127.0.0.1:PORT */
  baseUrl: string;
  token: string;
  aesKey: string;
  /** Default /wecom/callback. */
  path?: string;
}

export type CallbackClient = ReturnType<typeof callbackClient>;

export function callbackClient(options: CallbackClientOptions) {
  const path = options.path ?? "/wecom/callback";

  function signedUrl(signOver: string, signing: Signing, extra: Record<string, string> = {}) {
    const timestamp = String(signing.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = signing.nonce ?? randomBytes(6).toString("hex");
    const signature = signing.signature ?? sign(signing.token ?? options.token, timestamp, nonce, signOver);
    // URLSearchParams percent-encodes "+", "/" and "=" in the ciphertext, as WeCom does.
    const query = new URLSearchParams({ msg_signature: signature, timestamp, nonce, ...extra });
    return { url: `${options.baseUrl}${path}?${query}`, nonce };
  }

  async function post(body: string | Buffer, signOver: string, signing: Signing): Promise<RawResponse> {
    const { url, nonce } = signedUrl(signOver, signing);
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    return { status: res.status, body: await bodyOf(res), nonce };
  }

  /** Opens a passive reply strictly: null for an empty one, else the decrypted JSON. Throws on anything off. */
  function openReply(res: RawResponse): unknown {
    if (res.status !== 200) throw new Error(`callback answered HTTP ${res.status}: ${res.body}`);
    if (res.body === "") return null;
    const reply = JSON.parse(res.body) as { encrypt: string; msgsignature: string; timestamp: number; nonce: string };
    if (typeof reply.timestamp !== "number") throw new Error("reply timestamp is not a number");
    if (reply.nonce !== res.nonce) throw new Error("reply nonce differs from the callback's");
    if (reply.msgsignature !== sign(options.token, String(reply.timestamp), reply.nonce, reply.encrypt)) {
      throw new Error("reply signature does not verify");
    }
    return JSON.parse(unseal(options.aesKey, reply.encrypt));
  }

  /** Encrypts, signs and posts a callback body. */
  function sendPayload(payload: unknown, signing: Signing = {}, sealing: SealOptions = {}): Promise<RawResponse> {
    const encrypt = seal(options.aesKey, JSON.stringify(payload), sealing);
    return post(JSON.stringify({ encrypt }), encrypt, signing);
  }

  return {
    /**
     * GET URL verification with a random echostr; `echo` is the plaintext the bot must answer with. `rawPlus` sends a
     * ciphertext containing "+" without percent-encoding it, as a sloppy proxy might.
     */
    async verifyUrl(signing: Signing = {}, rawPlus = false): Promise<RawResponse & { echo: string }> {
      let echo: string;
      let echostr: string;
      do {
        echo = randomBytes(9).toString("hex");
        echostr = seal(options.aesKey, echo);
      } while (rawPlus && !echostr.includes("+"));
      const { url, nonce } = signedUrl(echostr, signing, rawPlus ? {} : { echostr });
      const res = await fetch(rawPlus ? `${url}&echostr=${echostr}` : url);
      return { status: res.status, body: await bodyOf(res), nonce, echo };
    },

    sendPayload,

    /** Posts `{"encrypt": value}` correctly signed over `value`, whatever it is: for bad ciphertexts. */
    sendEncrypt(value: string, signing: Signing = {}): Promise<RawResponse> {
      return post(JSON.stringify({ encrypt: value }), value, signing);
    },

    /** Posts any bytes, signed over `signOver` (default ""): for garbage and oversized bodies. */
    sendBody(body: string | Buffer, signOver = "", signing: Signing = {}): Promise<RawResponse> {
      return post(body, signOver, signing);
    },

    /** A text message as WeCom sends it; the decrypted passive reply, or null for an empty reply. */
    async sendText(input: TextInput, signing: Signing = {}): Promise<unknown> {
      return openReply(await sendPayload(textPayload(input), signing));
    },

    openReply,
  };
}
