import { hmacSign } from "./crypto";

/**
 * Hides sequential ids in links (they would tell anyone the list's size): Speck48/96, a published 48-bit
 * block cipher, so an id becomes 8 base64url characters and back. Pure integer arithmetic (~0.2 µs): the send
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

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUE = new Map([...ALPHABET].map((char, value) => [char, value]));

/** Hides and reveals ids under one key: the send path calls it once per email. */
export interface IdCipher {
  /** An id (0 … 2^48-1) as 8 base64url characters; the same id always gives the same text. */
  hide(id: number): string;
  /** The id behind 8 characters made by hide; null for anything else. */
  reveal(text: string): number | null;
}

function cipherOf(k: Uint32Array): IdCipher {
  return {
    hide(id) {
      if (!Number.isSafeInteger(id) || id < 0 || id > MAX_HIDDEN_ID) throw new RangeError(`id out of range: ${id}`);
      const [x, y] = speckEncrypt(k, Math.floor(id / 2 ** 24), id % 2 ** 24);
      // The 48-bit block is exactly 8 base64url characters of 6 bits: no byte array, no padding.
      return (
        ALPHABET[x >>> 18]! +
        ALPHABET[(x >>> 12) & 63]! +
        ALPHABET[(x >>> 6) & 63]! +
        ALPHABET[x & 63]! +
        ALPHABET[y >>> 18]! +
        ALPHABET[(y >>> 12) & 63]! +
        ALPHABET[(y >>> 6) & 63]! +
        ALPHABET[y & 63]!
      );
    },
    reveal(text) {
      if (text.length !== 8) return null;
      const words = [0, 0];
      for (let i = 0; i < 8; i++) {
        const value = VALUE.get(text[i]!);
        if (value === undefined) return null;
        words[i >> 2] = (words[i >> 2]! << 6) | value;
      }
      const [x, y] = speckDecrypt(k, words[0]!, words[1]!);
      return x * 2 ** 24 + y;
    },
  };
}

const ciphers = new Map<string, IdCipher>();

/** The cipher of one signing secret: its key is an HMAC of a fixed label, derived once per isolate. */
export function idCipher(secret: string): IdCipher {
  let cipher = ciphers.get(secret);
  if (!cipher) {
    const b = hmacSign(secret, "nextpart|id-cipher|speck48/96");
    const word = (i: number) => (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    cipher = cipherOf(speckRoundKeys(word(0), word(3), word(6), word(9)));
    ciphers.set(secret, cipher);
  }
  return cipher;
}
