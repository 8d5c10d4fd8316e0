import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { readConfig } from "../config";
import { limitBody } from "../lib/read-body";
import { AppError, type ErrorCode } from "../errors";
import { recordProviderEvent } from "../feedback/record-provider-event";
import { verifyResendWebhook, type VerifyResult } from "../feedback/verify-webhook";

export const webhookRoutes = new Hono<AppEnv>();

const refusal: Record<Extract<VerifyResult, { ok: false }>["reason"], ErrorCode> = {
  not_configured: "NOT_CONFIGURED",
  bad_secret: "NOT_CONFIGURED",
  missing_headers: "BAD_REQUEST",
  bad_signature: "UNAUTHORIZED",
  malformed: "BAD_REQUEST",
};

/**
 * Resend's event webhooks (Svix-signed). Any 2xx tells Resend to stop retrying, so only a request we could not
 * verify or read gets a 4xx; a verified event we do not use is kept and acknowledged.
 */
webhookRoutes.post(
  "/webhooks/resend",
  // Resend's events are a few KB; the limit keeps a hostile body from costing an HMAC over megabytes.
  limitBody(256 * 1024, "A webhook body is at most 256 KB."),
  async (c) => {
    const payload = await c.req.text();
    const verified = verifyResendWebhook(readConfig(c.env).resendWebhookSecret, payload, {
      id: c.req.header("svix-id"),
      timestamp: c.req.header("svix-timestamp"),
      signature: c.req.header("svix-signature"),
    });
    if (!verified.ok) throw new AppError(refusal[verified.reason], verified.message);
    const result = await recordProviderEvent(c.env.DB, verified.svixId, verified.event, payload);
    return c.json({ received: true, ...result });
  },
);
