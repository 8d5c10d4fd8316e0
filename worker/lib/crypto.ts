import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import { decodeBase64Url } from "hono/utils/encode";

/** Unpadded base64url: what every token in a link uses (Buffer's encoder: native, and a view's own bytes only). */
export const base64url = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");

export function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    return decodeBase64Url(text);
  } catch {
    return null;
  }
}

const keys = new Map<string, Uint8Array>();

/** A secret's UTF-8 bytes, once per isolate: workerd re-encodes a string key on every call (~1 µs). */
function keyBytes(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}

/**
 * HMAC-SHA256, synchronous: node:crypto (nodejs_compat; BoringSSL in workerd). The send path signs once per
 * email; WebCrypto's async sign made every email a promise, and in Node a thread-pool hop (docs/benchmarks.md).
 */
export function hmacSign(secret: string, message: string): Uint8Array {
  return createHmac("sha256", keyBytes(secret)).update(message).digest();
}

/** Constant-time equality; a length differs only between a tag and junk (lengths are public). */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);

/** Each keyed hash's purpose, in what it hashes: a value hashed for one purpose never matches another's hash. */
export const HASH_PURPOSES = {
  suppression: "nextpart:suppression:v1",
  ip: "nextpart:ip:v1",
  userAgent: "nextpart:user-agent:v1",
} as const;
export type HashPurpose = keyof typeof HASH_PURPOSES;

/**
 * Keyed hash for values we must be able to match later but should not store (an erased address, IP, user
 * agent). Its key is HASH_SECRET alone (`config.hashSecret`), never a signing key: signing keys rotate, and a
 * hash must match the same value for the life of the deployment. Still a Promise, as its callers expect; it is
 * off the send path.
 */
export async function keyedHash(hashSecret: string, purpose: HashPurpose, value: string): Promise<string> {
  return base64url(hmacSign(hashSecret, `${HASH_PURPOSES[purpose]}\n${value}`));
}

/** Token equality for the admin checks: Hono's own (SHA-256 digests and strings, compared in constant time). */
export { timingSafeEqual as timingSafeEqualStrings } from "hono/utils/buffer";
