import { base64url, fromBase64url, hmacSign, hmacVerify } from "./lib/crypto";

/**
 * Signed links: `<payload>.<signature>`, payload = base64url("purpose|subscriberId|series|expiresAt").
 * The purpose is inside the signed text, so a confirm token can never unsubscribe (and vice versa).
 * Unsubscribe tokens never expire (links in old emails must keep working) and are deterministic,
 * so a retried batch is byte-identical.
 */
export type TokenPurpose = "confirm" | "unsubscribe";

export interface TokenClaims {
  purpose: TokenPurpose;
  subscriberId: number;
  series: string;
}

export const CONFIRM_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function signToken(secret: string, claims: TokenClaims, expiresAt = 0): Promise<string> {
  const payload = base64url(
    encoder.encode([claims.purpose, claims.subscriberId, claims.series, expiresAt].join("|")),
  );
  return `${payload}.${base64url(await hmacSign(secret, payload))}`;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: "invalid" | "expired" };

export async function verifyToken(
  secret: string,
  token: string,
  purpose: TokenPurpose,
  now = Date.now(),
): Promise<TokenCheck> {
  if (token.length > 512) return { ok: false, reason: "invalid" };
  const [payload, signatureText, extra] = token.split(".");
  if (!payload || !signatureText || extra !== undefined) return { ok: false, reason: "invalid" };
  const signature = fromBase64url(signatureText);
  const payloadBytes = fromBase64url(payload);
  if (!signature || !payloadBytes) return { ok: false, reason: "invalid" };
  if (!(await hmacVerify(secret, payload, signature))) return { ok: false, reason: "invalid" };

  const [tokenPurpose, id, series, expires] = decoder.decode(payloadBytes).split("|");
  const subscriberId = Number(id);
  const expiresAt = Number(expires);
  if (tokenPurpose !== purpose || !Number.isSafeInteger(subscriberId) || !series || !Number.isFinite(expiresAt)) {
    return { ok: false, reason: "invalid" };
  }
  if (expiresAt !== 0 && expiresAt < now) return { ok: false, reason: "expired" };
  return { ok: true, claims: { purpose, subscriberId, series } };
}

/**
 * Confirm links name one consent record, `consent|<consentId>|<expiresAt>` signed like the tokens above: the
 * confirm step checks that this consent is still the one waiting, so an old link cannot confirm a later signup.
 */
export async function signConfirmToken(secret: string, consentId: number, expiresAt: number): Promise<string> {
  const payload = base64url(encoder.encode(["consent", consentId, expiresAt].join("|")));
  return `${payload}.${base64url(await hmacSign(secret, payload))}`;
}

export type ConfirmTokenCheck = { ok: true; consentId: number } | { ok: false; reason: "invalid" | "expired" };

export async function verifyConfirmToken(secret: string, token: string, now = Date.now()): Promise<ConfirmTokenCheck> {
  const [payload, signatureText, extra] = token.length > 512 ? [] : token.split(".");
  const signature = signatureText ? fromBase64url(signatureText) : null;
  const payloadBytes = payload ? fromBase64url(payload) : null;
  if (!payload || !signature || !payloadBytes || extra !== undefined) return { ok: false, reason: "invalid" };
  if (!(await hmacVerify(secret, payload, signature))) return { ok: false, reason: "invalid" };
  const [kind, id, expires, rest] = decoder.decode(payloadBytes).split("|");
  const consentId = Number(id);
  const expiresAt = Number(expires);
  if (kind !== "consent" || rest !== undefined || !Number.isSafeInteger(consentId) || !Number.isSafeInteger(expiresAt) || expiresAt <= 0) {
    return { ok: false, reason: "invalid" };
  }
  if (expiresAt < now) return { ok: false, reason: "expired" };
  return { ok: true, consentId };
}

/**
 * Per-email link tokens, `<deliveryId>.<tag>`: ONE HMAC per email (sending cost), split in two independent tags.
 * Bytes 0–15 authorize acting as the reader for that delivery (action links, the response page, unsubscribe);
 * bytes 16–23 are the referral tag, meant to be shared: knowing it reveals nothing of the reader tag.
 * Deterministic, so a retried batch is byte-identical.
 */
export interface DeliveryTokens {
  reader: string;
  referral: string;
}

const READER_TAG = [0, 16] as const;
const REFERRAL_TAG = [16, 24] as const;

const deliveryMac = (secret: string, deliveryId: number) => hmacSign(secret, `delivery|${deliveryId}`);

export async function signDeliveryTokens(secret: string, deliveryId: number): Promise<DeliveryTokens> {
  const mac = await deliveryMac(secret, deliveryId);
  return {
    reader: `${deliveryId}.${base64url(mac.subarray(...READER_TAG))}`,
    referral: `${deliveryId}.${base64url(mac.subarray(...REFERRAL_TAG))}`,
  };
}

async function verifyDeliveryToken(secret: string, token: string, range: readonly [number, number]) {
  const match = /^([1-9]\d{0,14})\.([A-Za-z0-9_-]{11,22})$/.exec(token);
  if (!match) return null;
  const deliveryId = Number(match[1]);
  const given = fromBase64url(match[2]!);
  const expected = (await deliveryMac(secret, deliveryId)).subarray(...range);
  if (!given || given.length !== expected.length) return null;
  return crypto.subtle.timingSafeEqual(given, expected) ? deliveryId : null;
}

/** The delivery id a reader token was signed for, or null. */
export const verifyReaderToken = (secret: string, token: string) => verifyDeliveryToken(secret, token, READER_TAG);
/** The delivery whose email carried this referral link, or null. */
export const verifyReferralToken = (secret: string, token: string) => verifyDeliveryToken(secret, token, REFERRAL_TAG);
