import { base64url, hmacSign } from "../../worker/lib/crypto";

/**
 * Links as they were mailed before key ids existed, built here byte for byte as the old code built them: the
 * Worker no longer produces these formats, it only has to keep accepting them (signed with SIGNING_SECRET).
 */
const encoder = new TextEncoder();

async function legacySigned(secret: string, text: string) {
  const payload = base64url(encoder.encode(text));
  return `${payload}.${base64url(await hmacSign(secret, payload))}`;
}

/** `base64url("purpose|subscriberId|series|expiresAt").<HMAC>` (the unsubscribe links of old emails). */
export const legacyToken = (secret: string, purpose: string, subscriberId: number, series: string, expiresAt = 0) =>
  legacySigned(secret, [purpose, subscriberId, series, expiresAt].join("|"));

/** `base64url("consent|consentId|expiresAt").<HMAC>`. */
export const legacyConfirmToken = (secret: string, consentId: number, expiresAt: number) =>
  legacySigned(secret, ["consent", consentId, expiresAt].join("|"));

/** `<deliveryId>.<tag>`: one HMAC of "delivery|id", bytes 0–15 the reader tag, 16–23 the referral tag. */
export async function legacyDeliveryTokens(secret: string, deliveryId: number) {
  const mac = await hmacSign(secret, `delivery|${deliveryId}`);
  return {
    reader: `${deliveryId}.${base64url(mac.subarray(0, 16))}`,
    referral: `${deliveryId}.${base64url(mac.subarray(16, 24))}`,
  };
}
