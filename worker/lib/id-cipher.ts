import { base64url, fromBase64url, hmacSign } from "./crypto";

/**
 * Hides sequential ids in links (they would tell anyone the list's size): Speck48/96, a published 48-bit
 * block cipher, so an id becomes 8 base64url characters and back. Pure integer arithmetic (~1 µs): the send
 * path runs it once per email. Its 96-bit key is derived from each signing key, so it rotates with the ring.
 */
const MASK = 0xffffff;
const ROUNDS = 23;
/** Ids are 48-bit: far beyond any D1 table, still exactly representable as a JS number. */
export const MAX_HIDDEN_ID = 2 ** 48 - 1;

const ror = (v: number, r: number) => ((v >>> r) | (v << (24 - r))) & MASK;
const rol = (v: number, r: number) => ((v << r) | (v >>> (24 - r))) & MASK;

/** The 23 round keys from four 24-bit key words, as the Speck paper writes them: (l2, l1, l0, k0). */
export function speckRoundKeys(l2: number, l1: number, l0: number, k0: number): Uint32Array {
  const k = new Uint32Array(ROUNDS);
  const l = [l0, l1, l2];
  k[0] = k0;
  for (let i = 0; i < ROUNDS - 1; i++) {
    l[i + 3] = ((k[i]! + ror(l[i]!, 8)) & MASK) ^ i;
    k[i + 1] = rol(k[i]!, 3) ^ l[i + 3]!;
  }
  return k;
}

export function speckEncrypt(k: Uint32Array, x: number, y: number): [number, number] {
  for (let i = 0; i < ROUNDS; i++) {
    x = ((ror(x, 8) + y) & MASK) ^ k[i]!;
    y = rol(y, 3) ^ x;
  }
  return [x, y];
}

export function speckDecrypt(k: Uint32Array, x: number, y: number): [number, number] {
  for (let i = ROUNDS - 1; i >= 0; i--) {
    y = ror(y ^ x, 3);
    x = rol(((x ^ k[i]!) - y) & MASK, 8);
  }
  return [x, y];
}

const roundKeys = new Map<string, Promise<Uint32Array>>();

/** Round keys for one signing secret, derived once per isolate (an HMAC of a fixed label). */
function keysFor(secret: string): Promise<Uint32Array> {
  let keys = roundKeys.get(secret);
  if (!keys) {
    keys = hmacSign(secret, "nextpart|id-cipher|speck48/96").then((b) =>
      speckRoundKeys((b[0]! << 16) | (b[1]! << 8) | b[2]!, (b[3]! << 16) | (b[4]! << 8) | b[5]!, (b[6]! << 16) | (b[7]! << 8) | b[8]!, (b[9]! << 16) | (b[10]! << 8) | b[11]!),
    );
    roundKeys.set(secret, keys);
  }
  return keys;
}

/** An id (1 … 2^48-1) as 8 opaque characters; the same id and secret always give the same text. */
export async function hideId(secret: string, id: number): Promise<string> {
  if (!Number.isSafeInteger(id) || id < 0 || id > MAX_HIDDEN_ID) throw new RangeError(`id out of range: ${id}`);
  const [x, y] = speckEncrypt(await keysFor(secret), Math.floor(id / 2 ** 24), id % 2 ** 24);
  return base64url(new Uint8Array([x >>> 16, (x >>> 8) & 0xff, x & 0xff, y >>> 16, (y >>> 8) & 0xff, y & 0xff]));
}

/** The id behind 8 characters made by hideId with this secret; null for text that is not 8 base64url characters. */
export async function revealId(secret: string, text: string): Promise<number | null> {
  const b = text.length === 8 ? fromBase64url(text) : null;
  if (!b || b.length !== 6) return null;
  const [x, y] = speckDecrypt(await keysFor(secret), (b[0]! << 16) | (b[1]! << 8) | b[2]!, (b[3]! << 16) | (b[4]! << 8) | b[5]!);
  return x * 2 ** 24 + y;
}
