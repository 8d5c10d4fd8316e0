import { encodeBase64Url } from "hono/utils/encode";
import { afterEach, describe, expect, it, vi } from "vitest";
import { base64url, HASH_PURPOSES, hmacSign, keyedHash } from "../worker/lib/crypto";
import { idCipher, MAX_HIDDEN_ID, speckEncrypt, speckRoundKeys } from "../worker/lib/id-cipher";
import { parseKeyring, type Keyring } from "../worker/lib/keyring";
import {
  signConfirmToken,
  signDeliveryTokens,
  verifyConfirmToken,
  verifyPreferencesToken,
  verifyReaderToken,
  verifyReadingCheckToken,
  verifyReferralToken,
} from "../worker/tokens";

const OTHER_SECRET = "another-secret-0123456789abcdef0123";
const K1 = "k1:first-key-0123456789abcdef0123456789";
const K2 = "k2:second-key-0123456789abcdef012345678";

function ring(signingKeys: string): Keyring {
  const parsed = parseKeyring(signingKeys);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.keyring;
}

const before = ring(K1); // k1 signs
const rotated = ring(`${K2},${K1}`); // k2 signs, k1 still verifies
const k1Removed = ring(K2); // k1 leaked: removed at once

/** `base64url(text).<full HMAC>`: how links were signed before key ids. Never mailed (never released): refused. */
function oldFormat(secret: string, text: string) {
  const payload = base64url(new TextEncoder().encode(text));
  return `${payload}.${base64url(hmacSign(secret, payload))}`;
}

describe("the keyring", () => {
  it("is newest first", () => {
    expect(rotated.keys.map((key) => key.kid)).toEqual(["k2", "k1"]);
    expect(ring(" k2 : s2-0123456789abcdef , k1:s1-0123456789abcdef").keys).toEqual([
      { kid: "k2", secret: "s2-0123456789abcdef" },
      { kid: "k1", secret: "s1-0123456789abcdef" },
    ]);
  });

  it("names every malformed entry or duplicate id, without echoing a secret", () => {
    const parsed = parseKeyring(
      "k2:s3cret-a,nocolon-s3cret,K1:s3cret-b,k2:s3cret-c,0:s3cret-d,:s3cret-e,s3cret-g-the-wrong-way-round:k4,k3:",
    );
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    expect(problems).toEqual([
      'SIGNING_KEYS entry 2 is not "kid:secret"',
      'SIGNING_KEYS entry 3: the key id (before the ":") must be 1–8 of a-z, 0-9',
      'SIGNING_KEYS entry 4: key id "k2" appears twice',
      'SIGNING_KEYS entry 6: the key id (before the ":") must be 1–8 of a-z, 0-9',
      'SIGNING_KEYS entry 7: the key id (before the ":") must be 1–8 of a-z, 0-9',
      'SIGNING_KEYS entry 8 is not "kid:secret"',
    ]);
    expect(problems.join(" ")).not.toContain("s3cret");
    expect(parseKeyring("")).toEqual({ ok: false, problems: [expect.stringContaining("no signing key")] });
  });
});

describe("hidden ids", () => {
  it("use Speck48/96 as published (the paper's test vector)", () => {
    expect(speckEncrypt(speckRoundKeys(0x1a1918, 0x121110, 0x0a0908, 0x020100), 0x6d2073, 0x696874)).toEqual([
      0x735e10, 0xb6445d,
    ]);
  });

  it("round-trip every id to 8 characters, and consecutive ids look unrelated", async () => {
    const cipher = await idCipher(rotated.keys[0].secret);
    const texts = Array.from({ length: 1000 }, (_, i) => cipher.hide(i + 1));
    for (const [i, text] of texts.entries()) {
      expect(text).toMatch(/^[A-Za-z0-9_-]{8}$/);
      expect(cipher.reveal(text)).toBe(i + 1);
    }
    expect(new Set(texts).size).toBe(1000);
    // Neither sorted nor sharing a prefix: the text says nothing of the order or size.
    expect([...texts].sort()).not.toEqual(texts);
    expect(new Set(texts.map((t) => t.slice(0, 3))).size).toBeGreaterThan(900);
    expect(cipher.reveal(cipher.hide(0))).toBe(0);
    expect(cipher.reveal(cipher.hide(MAX_HIDDEN_ID))).toBe(MAX_HIDDEN_ID);
    expect(() => cipher.hide(MAX_HIDDEN_ID + 1)).toThrow(RangeError);
    for (const junk of ["", "AAAAAAA", "AAAAAAAAA", "AAAA+AAA", "AAAA.AAA", "AAAAAAA\u00e9"])
      expect(cipher.reveal(junk), junk).toBeNull();
    // Another key, another permutation.
    expect((await idCipher(rotated.keys[1]!.secret)).hide(1)).not.toBe(texts[0]);
  });
});

describe("per-email delivery tokens", () => {
  it("are deterministic (a retried batch is byte-identical), carry the key id, and hide the delivery id", async () => {
    const a = await signDeliveryTokens(rotated, 42);
    expect(await signDeliveryTokens(rotated, 42)).toEqual(a);
    expect(a.reader).toMatch(/^k2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{22}$/);
    expect(a.referral).toMatch(/^k2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{11}$/);
    expect(a.reader.split(".")[1]).toBe(a.referral.split(".")[1]);
    expect(a.reader).not.toMatch(/(^|\.)42\./);
    expect(await verifyReaderToken(rotated, a.reader)).toBe(42);
    expect(await verifyReferralToken(rotated, a.referral)).toBe(42);
  });

  it("keep the two tags apart: a shared referral link never acts as the reader, and vice versa", async () => {
    const { reader, referral } = await signDeliveryTokens(rotated, 7);
    expect(await verifyReaderToken(rotated, referral)).toBeNull();
    expect(await verifyReferralToken(rotated, reader)).toBeNull();
  });

  it("refuse another delivery's id, a flipped character, another key id, another secret and junk", async () => {
    const { reader } = await signDeliveryTokens(rotated, 7);
    const [kid, hidden, tag] = reader.split(".") as [string, string, string];
    const flip = (text: string) => `${text[0] === "A" ? "B" : "A"}${text.slice(1)}`;
    const other = (await signDeliveryTokens(rotated, 8)).reader.split(".")[1]!;
    for (const bad of [
      `${kid}.${other}.${tag}`,
      `${kid}.${flip(hidden)}.${tag}`,
      `${kid}.${hidden}.${flip(tag)}`,
      `k1.${hidden}.${tag}`,
      `0.${hidden}.${tag}`,
      `zz.${hidden}.${tag}`,
      `${kid}.${hidden}`,
      `7.${tag}`,
      `.${hidden}.${tag}`,
      `K2.${hidden}.${tag}`,
      `${kid}.${hidden}.${tag}x`,
      "x".repeat(600),
      "7.a+b/c==",
      "",
    ]) {
      expect(await verifyReaderToken(rotated, bad), bad).toBeNull();
    }
    expect(await verifyReaderToken(ring("k2:another-secret-0123456789abcdef"), reader)).toBeNull();
  });

  it("survive a rotation: the newest key signs, older keys still verify, a removed key stops verifying", async () => {
    const mailed = await signDeliveryTokens(before, 99);
    expect(mailed.reader.startsWith("k1.")).toBe(true);
    const fresh = await signDeliveryTokens(rotated, 99);
    expect(fresh.reader.startsWith("k2.")).toBe(true);
    expect(await verifyReaderToken(rotated, mailed.reader)).toBe(99);
    expect(await verifyReferralToken(rotated, mailed.referral)).toBe(99);
    expect(await verifyReaderToken(k1Removed, mailed.reader)).toBeNull();
    expect(await verifyReferralToken(k1Removed, mailed.referral)).toBeNull();
    expect(await verifyReaderToken(k1Removed, fresh.reader)).toBe(99);
  });

  it("refuse the format from before key ids (`<deliveryId>.<tag>`), even signed with a key of the ring", () => {
    for (const key of rotated.keys) {
      const mac = hmacSign(key.secret, "delivery|42");
      expect(verifyReaderToken(rotated, `42.${base64url(mac.subarray(0, 16))}`)).toBeNull();
      expect(verifyReferralToken(rotated, `42.${base64url(mac.subarray(16, 24))}`)).toBeNull();
    }
  });
});

describe("confirm tokens", () => {
  const inAnHour = Date.now() + 3_600_000;

  it("carry the key id and expiry, hide the consent id, and verify through a rotation", async () => {
    const token = await signConfirmToken(before, 1234, inAnHour);
    expect(token).toMatch(/^k1\.[A-Za-z0-9_-]{8}\.[0-9a-z]+\.[A-Za-z0-9_-]{22}$/);
    expect(token).not.toContain("1234");
    expect(await signConfirmToken(before, 1234, inAnHour)).toBe(token);
    expect(await verifyConfirmToken(rotated, token)).toEqual({ ok: true, consentId: 1234 });
    expect(await verifyConfirmToken(k1Removed, token)).toEqual({ ok: false, reason: "invalid" });
    expect(await verifyConfirmToken(rotated, await signConfirmToken(rotated, 1234, Date.now() - 1))).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("refuse a changed expiry, id or key id", async () => {
    const token = await signConfirmToken(rotated, 1234, inAnHour);
    const [kid, hidden, expires, tag] = token.split(".") as [string, string, string, string];
    const later = (parseInt(expires, 36) + 86_400_000).toString(36);
    const other = (await signConfirmToken(rotated, 1235, inAnHour)).split(".")[1]!;
    for (const bad of [
      `${kid}.${hidden}.${later}.${tag}`,
      `${kid}.${hidden}.0${expires}.${tag}`,
      `${kid}.${other}.${expires}.${tag}`,
      `k1.${hidden}.${expires}.${tag}`,
      `${kid}.${hidden}.${expires}`,
    ]) {
      expect(await verifyConfirmToken(rotated, bad), bad).toEqual({ ok: false, reason: "invalid" });
    }
  });

  it("refuse the format from before key ids (plain consent id), even signed with a key of the ring", () => {
    for (const key of rotated.keys) {
      expect(verifyConfirmToken(rotated, oldFormat(key.secret, `consent|77|${inAnHour}`))).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
  });
});

describe("purpose tokens from before per-email tokens", () => {
  it("are no token at all: every verifier refuses them, even signed with a key of the ring", () => {
    for (const key of rotated.keys) {
      for (const purpose of ["unsubscribe", "confirm"]) {
        const old = oldFormat(key.secret, `${purpose}|12|origins-of-lead-change|0`);
        expect(verifyReaderToken(rotated, old)).toBeNull();
        expect(verifyReferralToken(rotated, old)).toBeNull();
        expect(verifyConfirmToken(rotated, old)).toEqual({ ok: false, reason: "invalid" });
        expect(verifyPreferencesToken(rotated, old)).toBeNull();
        expect(verifyReadingCheckToken(rotated, old)).toBeNull();
      }
    }
  });
});

describe("keyed hashes", () => {
  const hashSecret = "hash-secret-0123456789abcdef0123456";

  it("use their own key: the same value, key and purpose always hash alike, under another key never", async () => {
    expect(await keyedHash(hashSecret, "ip", "203.0.113.9")).toBe(await keyedHash(hashSecret, "ip", "203.0.113.9"));
    expect(await keyedHash(hashSecret, "ip", "203.0.113.9")).not.toBe(
      await keyedHash(OTHER_SECRET, "ip", "203.0.113.9"),
    );
    // The formula: HMAC-SHA-256(HASH_SECRET, label + "\n" + value), unpadded base64url.
    expect(await keyedHash(hashSecret, "ip", "203.0.113.9")).toBe(
      base64url(await hmacSign(hashSecret, "nextpart:ip:v1\n203.0.113.9")),
    );
  });

  it("each purpose has its own label: a user agent spelling an address never hashes to that address's suppression", async () => {
    expect(Object.values(HASH_PURPOSES)).toEqual([
      "nextpart:suppression:v1",
      "nextpart:ip:v1",
      "nextpart:user-agent:v1",
    ]);
    const value = "ann@example.com";
    const hashes = await Promise.all(
      (Object.keys(HASH_PURPOSES) as (keyof typeof HASH_PURPOSES)[]).map((purpose) =>
        keyedHash(hashSecret, purpose, value),
      ),
    );
    expect(new Set(hashes).size).toBe(3);
    // Before labels, the suppression of X was the plain hash of "suppression:X": a value anyone can send.
    expect(await keyedHash(hashSecret, "userAgent", `suppression:${value}`)).not.toBe(
      await keyedHash(hashSecret, "suppression", value),
    );
    expect(await keyedHash(hashSecret, "userAgent", `nextpart:suppression:v1\n${value}`)).not.toBe(
      await keyedHash(hashSecret, "suppression", value),
    );
  });
});

describe("signing on the send path", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is synchronous, without WebCrypto: no thread-pool hop or promise per email", () => {
    const sign = vi.spyOn(crypto.subtle, "sign");
    const verify = vi.spyOn(crypto.subtle, "verify");
    for (let id = 1; id <= 100; id++) {
      const tokens = signDeliveryTokens(rotated, id);
      expect(tokens).not.toBeInstanceOf(Promise);
      expect(verifyReaderToken(rotated, tokens.reader)).toBe(id);
    }
    expect(signConfirmToken(rotated, 5, Date.now() + 60_000)).toMatch(/^k2\./);
    expect(sign).not.toHaveBeenCalled();
    expect(verify).not.toHaveBeenCalled();
  });

  it("gives the bytes WebCrypto's HMAC-SHA256 gave: links mailed before stay valid, retries stay identical", async () => {
    const webCryptoTag = async (secret: string, message: string) => {
      const key = await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
    };
    for (const id of [1, 42, 2 ** 31, MAX_HIDDEN_ID]) {
      const expected = await webCryptoTag(rotated.keys[0].secret, `delivery|${id}`);
      const { reader, referral } = signDeliveryTokens(rotated, id);
      expect(reader.split(".")[2]).toBe(base64url(expected.subarray(0, 16)));
      expect(referral.split(".")[2]).toBe(base64url(expected.subarray(16, 24)));
    }
    expect(await keyedHash(OTHER_SECRET, "ip", "x")).toBe(
      base64url(await webCryptoTag(OTHER_SECRET, "nextpart:ip:v1\nx")),
    );
    // Made by the WebCrypto implementation (2cb10ca), byte for byte.
    expect(signDeliveryTokens(rotated, 42)).toEqual({
      reader: "k2.xE1olDHA.N8cQzWiieyQQ7O9yk30_lw",
      referral: "k2.xE1olDHA.lDYb6ZZKUyE",
    });
    expect(signDeliveryTokens(rotated, MAX_HIDDEN_ID)).toEqual({
      reader: "k2.t9MMqegN.jjPPHb9zX1NcaZDJQ2Nh2A",
      referral: "k2.t9MMqegN.B4vSOy9oRTE",
    });
    expect(signConfirmToken(rotated, 1234, 1767225600000)).toBe("k2.J1k9cnS7.mjuohs00.SNxCljjhifpZM7WFevwXaA");
  });

  it("encodes base64url as before (unpadded), a view's own bytes only", () => {
    const bytes = crypto.getRandomValues(new Uint8Array(80));
    for (let start = 0; start < 4; start++) {
      for (let end = start; end <= 70; end++) {
        const view = bytes.subarray(start, end);
        expect(base64url(view)).toBe(encodeBase64Url(view.slice().buffer).replace(/=+$/, ""));
      }
    }
  });
});
