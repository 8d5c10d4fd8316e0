import { base64url, fromBase64url, hmacSign, sameBytes } from "./lib/crypto";
import { idCipher } from "./lib/id-cipher";
import { findKey, type Keyring, type SigningKey } from "./lib/keyring";

/**
 * Every link token starts with the id of the key that signed it (`<kid>.…`): the newest key of the ring signs,
 * any key still in the ring verifies. Ids (deliveries, consents, subscriptions) travel hidden (lib/id-cipher), so a
 * link never tells the list's size. One format per purpose. All tokens are deterministic, so a retried batch is
 * byte-identical; signing and checking are synchronous.
 */
export const CONFIRM_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const MAX_TOKEN_LENGTH = 512;
const B64 = "[A-Za-z0-9_-]";
const KID = "([a-z0-9]{1,8})";
/** 16 bytes of HMAC-SHA256: what a forger must guess. */
const TAG_BYTES = 16;

const newestKey = (keyring: Keyring) => keyring.keys[0];

function tagMatches(key: SigningKey, message: string, tagText: string, range: readonly [number, number]) {
  const given = fromBase64url(tagText);
  return !!given && sameBytes(given, hmacSign(key.secret, message).subarray(...range));
}

/** A hidden id, or null when the text does not stand for a positive id under this key. */
function idUnder(key: SigningKey, text: string): number | null {
  const id = idCipher(key.secret).reveal(text);
  return id !== null && id > 0 ? id : null;
}

/**
 * Confirm links name one consent record, `<kid>.<hidden consent id>.<expiresAt, base 36>.<tag>`: the confirm
 * step checks that this consent is still the one waiting, so an old link cannot confirm a later signup.
 */
export function signConfirmToken(keyring: Keyring, consentId: number, expiresAt: number): string {
  const key = newestKey(keyring);
  const mac = hmacSign(key.secret, `consent|${consentId}|${expiresAt}`);
  return `${key.kid}.${idCipher(key.secret).hide(consentId)}.${expiresAt.toString(36)}.${base64url(mac.subarray(0, TAG_BYTES))}`;
}

export type ConfirmTokenCheck = { ok: true; consentId: number } | { ok: false; reason: "invalid" | "expired" };

/** The expiry in canonical base 36 (no leading zero), so each consent and expiry has exactly one token. */
const CONFIRM_TOKEN = new RegExp(`^${KID}\\.(${B64}{8})\\.([1-9a-z][0-9a-z]{0,10})\\.(${B64}{22})$`);

export function verifyConfirmToken(keyring: Keyring, token: string, now = Date.now()): ConfirmTokenCheck {
  const invalid = { ok: false, reason: "invalid" } as const;
  const match = token.length > MAX_TOKEN_LENGTH ? null : CONFIRM_TOKEN.exec(token);
  const key = match ? findKey(keyring, match[1]!) : undefined;
  const consentId = key ? idUnder(key, match![2]!) : null;
  const expiresAt = match ? parseInt(match[3]!, 36) : Number.NaN;
  if (!key || consentId === null || !tagMatches(key, `consent|${consentId}|${expiresAt}`, match![4]!, [0, TAG_BYTES]))
    return invalid;
  if (!Number.isSafeInteger(expiresAt)) return invalid;
  if (expiresAt < now) return { ok: false, reason: "expired" };
  return { ok: true, consentId };
}

/**
 * Per-email link tokens, `<kid>.<hidden delivery id>.<tag>`: ONE HMAC per email (sending cost), split in two
 * independent tags. Bytes 0–15 authorize acting as the reader for that delivery (action links, the response page,
 * unsubscribe); bytes 16–23 are the referral tag, meant to be shared: knowing it reveals nothing of the reader tag.
 */
export interface DeliveryTokens {
  reader: string;
  referral: string;
}

const READER_TAG = [0, 16] as const;
const REFERRAL_TAG = [16, 24] as const;

const deliveryMessage = (deliveryId: number) => `delivery|${deliveryId}`;

export function signDeliveryTokens(keyring: Keyring, deliveryId: number): DeliveryTokens {
  const key = newestKey(keyring);
  const mac = hmacSign(key.secret, deliveryMessage(deliveryId));
  const prefix = `${key.kid}.${idCipher(key.secret).hide(deliveryId)}`;
  return {
    reader: `${prefix}.${base64url(mac.subarray(...READER_TAG))}`,
    referral: `${prefix}.${base64url(mac.subarray(...REFERRAL_TAG))}`,
  };
}

/** A delivery token's shape (reader or referral tag); checked before anything reads it. */
export const DELIVERY_TOKEN = new RegExp(`^${KID}\\.(${B64}{8})\\.(${B64}{11,22})$`);

function verifyDeliveryToken(keyring: Keyring, token: string, range: readonly [number, number]): number | null {
  const match = DELIVERY_TOKEN.exec(token);
  const key = match ? findKey(keyring, match[1]!) : undefined;
  const deliveryId = key ? idUnder(key, match![2]!) : null;
  if (!key || deliveryId === null) return null;
  return tagMatches(key, deliveryMessage(deliveryId), match![3]!, range) ? deliveryId : null;
}

/** The delivery id a reader token was signed for, or null. */
export const verifyReaderToken = (keyring: Keyring, token: string) => verifyDeliveryToken(keyring, token, READER_TAG);
/** The delivery whose email carried this referral link, or null. */
export const verifyReferralToken = (keyring: Keyring, token: string) =>
  verifyDeliveryToken(keyring, token, REFERRAL_TAG);

/**
 * The "Still reading?" page of one check, `<kid>.<hidden check id>.<tag>`: no expiry (the check's own state says
 * whether the button still does anything), deterministic so a retried email is byte-identical.
 */
const readingCheckMessage = (checkId: number) => `reading-check|${checkId}`;
const READING_CHECK_TOKEN = new RegExp(`^${KID}\\.(${B64}{8})\\.(${B64}{22})$`);

export function signReadingCheckToken(keyring: Keyring, checkId: number): string {
  const key = newestKey(keyring);
  const mac = hmacSign(key.secret, readingCheckMessage(checkId));
  return `${key.kid}.${idCipher(key.secret).hide(checkId)}.${base64url(mac.subarray(0, TAG_BYTES))}`;
}

/** The check a keep token was signed for, or null (checked before anything reads D1). */
export function verifyReadingCheckToken(keyring: Keyring, token: string): number | null {
  const match = token.length > MAX_TOKEN_LENGTH ? null : READING_CHECK_TOKEN.exec(token);
  const key = match ? findKey(keyring, match[1]!) : undefined;
  const checkId = key ? idUnder(key, match![2]!) : null;
  if (!key || checkId === null) return null;
  return tagMatches(key, readingCheckMessage(checkId), match![3]!, [0, TAG_BYTES]) ? checkId : null;
}

/**
 * Preference-page tokens, `s.<kid>.<hidden subscription id>.<tag>`, for pages that have no delivery to sign for
 * (the confirmation's thanks page, a series just joined): one reader's subscription to one series. The purpose is
 * in the signed text, so no other token verifies as one; the leading `s.` keeps them apart from delivery tokens.
 */
const preferencesMessage = (subscriptionId: number) => `preferences|${subscriptionId}`;
export const PREFERENCES_TOKEN = new RegExp(`^s\\.${KID}\\.(${B64}{8})\\.(${B64}{22})$`);

export function signPreferencesToken(keyring: Keyring, subscriptionId: number): string {
  const key = newestKey(keyring);
  const mac = hmacSign(key.secret, preferencesMessage(subscriptionId));
  return `s.${key.kid}.${idCipher(key.secret).hide(subscriptionId)}.${base64url(mac.subarray(0, TAG_BYTES))}`;
}

/** The subscription a preferences token was signed for, or null. */
export function verifyPreferencesToken(keyring: Keyring, token: string): number | null {
  const match = PREFERENCES_TOKEN.exec(token);
  const key = match ? findKey(keyring, match[1]!) : undefined;
  const subscriptionId = key ? idUnder(key, match![2]!) : null;
  if (!key || subscriptionId === null) return null;
  return tagMatches(key, preferencesMessage(subscriptionId), match![3]!, [0, TAG_BYTES]) ? subscriptionId : null;
}
