import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { limitBody } from "../middleware/read-body";
import { AppError, type ErrorCode } from "../errors";
import { feedbackMessage } from "../feedback/feedback-message";
import { recordProviderEvents } from "../feedback/record-provider-events";
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
 * verify or read gets a 4xx. A verified event goes to the feedback queue (its consumer records up to 100 at once)
 * and is answered at once; without the queue, or when it cannot take the event, it is recorded here.
 */
webhookRoutes.post(
  "/webhooks/resend",
  // Resend's events are a few KB; the limit keeps a hostile body from costing an HMAC over megabytes.
  limitBody(256 * 1024, "A webhook body is at most 256 KB."),
  async (c) => {
    const { deps } = c.var;
    const verified = verifyResendWebhook(deps.config.resendWebhookSecret, await c.req.text(), {
      id: c.req.header("svix-id"),
      timestamp: c.req.header("svix-timestamp"),
      signature: c.req.header("svix-signature"),
    });
    if (!verified.ok) throw new AppError(refusal[verified.reason], verified.message);
    const message = feedbackMessage(verified.svixId, verified.event, deps.clock());
    if (deps.env.FEEDBACK_QUEUE) {
      try {
        await deps.env.FEEDBACK_QUEUE.send(message, { contentType: "json" });
        return c.json({ received: true, queued: true });
      } catch (error) {
        // Recorded inline instead; should the queue have taken it after all, the consumer finds it recorded.
        console.error("feedback queue refused an event, recording it inline", error);
      }
    }
    await recordProviderEvents(deps, [message]);
    return c.json({ received: true, queued: false });
  },
);
