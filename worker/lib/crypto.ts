import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";

const encoder = new TextEncoder();

/**
 * Unpadded base64url (Hono's encoder pads): what every token in a link uses. Hono copies its argument with
 * `new Uint8Array(x)`, which reads only a view's own bytes, so a subarray is safe despite its ArrayBuffer type.
 */
export const base64url = (bytes: ArrayBuffer | Uint8Array): string =>
  encodeBase64Url(bytes as ArrayBuffer).replace(/=+$/, "");

export function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    return decodeBase64Url(text);
  } catch {
    return null;
  }
}

const keys = new Map<string, Promise<CryptoKey>>();

/** HMAC-SHA256 key, imported once per secret per isolate (importKey is the slow part). */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

export async function hmacSign(secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));
}

/** Constant-time check (crypto.subtle.verify compares in constant time). */
export async function hmacVerify(secret: string, message: string, signature: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify("HMAC", await hmacKey(secret), signature, encoder.encode(message));
}

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
 * hash must match the same value for the life of the deployment.
 */
export async function keyedHash(hashSecret: string, purpose: HashPurpose, value: string): Promise<string> {
  return base64url(await hmacSign(hashSecret, `${HASH_PURPOSES[purpose]}\n${value}`));
}

/** Token equality for the admin checks: Hono's own (SHA-256 digests and strings, compared in constant time). */
export { timingSafeEqual as timingSafeEqualStrings } from "hono/utils/buffer";
