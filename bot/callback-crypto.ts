// WeCom callback crypto (WXBizMsgCrypt) for the 智能机器人 callback URL mode, over the official @wecom/crypto.
// That package neither compares signatures nor checks the ReceiveId, and it decodes leniently (bad base64 and bad
// padding pass through silently), so the checks it leaves out are made here.
import { timingSafeEqual } from "node:crypto";
import { decrypt, encrypt, getSignature } from "@wecom/crypto";

/** Why a ciphertext was refused; for logs, never shown to WeCom. */
export type CryptoFailure = "bad-base64" | "bad-block-length" | "malformed" | "wrong-receive-id";

export class CallbackCryptoError extends Error {
  constructor(readonly reason: CryptoFailure) {
    super(`callback ciphertext refused: ${reason}`);
    this.name = "CallbackCryptoError";
  }
}

/** For 智能机器人 the ReceiveId inside every ciphertext is the empty string (wecom.md). */
const RECEIVE_ID = "";
/** WXBizMsgCrypt pads to a multiple of 32 bytes, so every valid ciphertext is a whole number of 32-byte blocks. */
const PAD_BLOCK = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})+$|^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;

/** Checks an EncodingAESKey's shape (43 base64 characters, 32 bytes), so a bad setting fails at start. */
export function isValidAesKey(aesKey: string): boolean {
  return /^[A-Za-z0-9+/]{43}$/.test(aesKey) && Buffer.from(`${aesKey}=`, "base64").length === 32;
}

/** sha1 of the sorted [token, timestamp, nonce, encrypt], compared with `signature` in constant time. */
export function verifySignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
  signature: string,
): boolean {
  const expected = Buffer.from(getSignature(token, timestamp, nonce, encrypt), "utf8");
  const given = Buffer.from(signature, "utf8");
  // The length of a sha1 hex digest is public (40), so checking it first leaks nothing.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The message inside `encrypted`; throws CallbackCryptoError unless it is exactly what WXBizMsgCrypt produces. */
export function decryptMessage(aesKey: string, encrypted: string): string {
  if (!BASE64.test(encrypted)) throw new CallbackCryptoError("bad-base64");
  const bytes = Buffer.from(encrypted, "base64").length;
  if (bytes === 0 || bytes % PAD_BLOCK !== 0) throw new CallbackCryptoError("bad-block-length");
  let opened: ReturnType<typeof decrypt>;
  try {
    opened = decrypt(aesKey, encrypted);
  } catch {
    throw new CallbackCryptoError("malformed"); // shorter than the 20-byte header
  }
  // Encrypting the parts again with the same random prefix must give back the very same ciphertext: this checks the
  // PKCS#7 padding, the length field and the UTF-8 of the message at once, which @wecom/crypto does not.
  if (encrypt(aesKey, opened.message, opened.id, opened.random) !== encrypted) {
    throw new CallbackCryptoError("malformed");
  }
  if (opened.id !== RECEIVE_ID) throw new CallbackCryptoError("wrong-receive-id");
  return opened.message;
}

/** The passive reply body WeCom expects: JSON `{ encrypt, msgsignature, timestamp, nonce }`. */
export interface EncryptedReply {
  encrypt: string;
  msgsignature: string;
  timestamp: number;
  nonce: string;
}

/** Encrypts `plaintext` (with the 智能机器人 ReceiveId "") and signs it; `nonce` is the one from the callback URL. */
export function encryptReply(
  token: string,
  aesKey: string,
  plaintext: string,
  timestamp: number,
  nonce: string,
): EncryptedReply {
  const ciphertext = encrypt(aesKey, plaintext, RECEIVE_ID);
  return {
    encrypt: ciphertext,
    msgsignature: getSignature(token, String(timestamp), nonce, ciphertext),
    timestamp,
    nonce,
  };
}
