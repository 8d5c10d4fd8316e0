import { Resend } from "resend";
import { z } from "zod";
import { DELIVERY_TAG } from "../mail/mailer";

/** Resend's signing secrets are `whsec_` + base64; anything else cannot verify a single request. */
const SECRET_FORMAT = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** What we read from a verified event; everything else (the address above all) is dropped here. */
const eventSchema = z.object({
  type: z.string().min(1).max(100),
  created_at: z.string().max(100).optional(),
  data: z
    .object({
      email_id: z.string().min(1).max(200).optional(),
      // The delivery a part email names (compose.ts): digits only; anything else is dropped, never refused.
      tags: z
        .object({
          [DELIVERY_TAG]: z
            .string()
            .regex(/^[1-9]\d{0,14}$/)
            .optional()
            .catch(undefined),
        })
        .optional()
        .catch(undefined),
    })
    .optional(),
});

export type ProviderEvent = z.infer<typeof eventSchema>;

export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type VerifyResult =
  | { ok: true; svixId: string; event: ProviderEvent }
  | {
      ok: false;
      reason: "not_configured" | "bad_secret" | "missing_headers" | "bad_signature" | "malformed";
      message: string;
    };

/**
 * Checks a Resend webhook on its raw body with the resend SDK (Svix scheme: HMAC over id, timestamp and body;
 * timestamps more than 5 minutes off are refused), then parses the event.
 */
export function verifyResendWebhook(
  secret: string | undefined,
  payload: string,
  headers: WebhookHeaders,
): VerifyResult {
  if (!secret)
    return { ok: false, reason: "not_configured", message: "RESEND_WEBHOOK_SECRET is not set: webhooks are off." };
  if (!SECRET_FORMAT.test(secret)) {
    return {
      ok: false,
      reason: "bad_secret",
      message: "RESEND_WEBHOOK_SECRET is not a whsec_… signing secret from Resend.",
    };
  }
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || id.length > 200 || timestamp.length > 20 || signature.length > 2000) {
    return {
      ok: false,
      reason: "missing_headers",
      message: "Send the svix-id, svix-timestamp and svix-signature headers.",
    };
  }
  let parsed: unknown;
  try {
    // The SDK needs some API key to construct, though verifying uses none.
    parsed = new Resend("re_webhook_verification_only").webhooks.verify({
      payload,
      headers: { id, timestamp, signature },
      webhookSecret: secret,
    });
  } catch (error) {
    // Only a body whose signature matched reaches JSON.parse: a SyntaxError means Resend sent something odd.
    if (error instanceof SyntaxError) return { ok: false, reason: "malformed", message: "The body is not JSON." };
    return {
      ok: false,
      reason: "bad_signature",
      message: "The signature does not match, or the timestamp is more than 5 minutes off.",
    };
  }
  const event = eventSchema.safeParse(parsed);
  if (!event.success)
    return { ok: false, reason: "malformed", message: "The body is not a Resend event ({ type, data })." };
  return { ok: true, svixId: id, event: event.data };
}
