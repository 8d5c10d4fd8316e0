import { z } from "zod";
import type { FeedbackMessage } from "../env";
import { DELIVERY_TAG } from "../mail/mailer";
import type { ProviderEvent } from "./verify-webhook";

/** A verified event as the feedback queue carries it: what recording needs, nothing that names a person. */
export function feedbackMessage(svixId: string, event: ProviderEvent, receivedAt: number): FeedbackMessage {
  const createdAt = event.created_at === undefined ? Number.NaN : Date.parse(event.created_at);
  return {
    svixId,
    type: event.type,
    emailId: event.data?.email_id ?? null,
    deliveryTag: deliveryTagOf(event),
    createdAt: Number.isFinite(createdAt) ? createdAt : null,
    receivedAt,
  };
}

const deliveryTagOf = (event: ProviderEvent) => {
  const tag = event.data?.tags?.[DELIVERY_TAG];
  return tag === undefined ? null : Number(tag);
};

/** A queue message read back: written by an older or newer Worker, it is checked like any input. */
export const feedbackMessageSchema = z.object({
  svixId: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  emailId: z.string().min(1).max(200).nullable(),
  // Messages queued by a Worker from before the tag have none.
  deliveryTag: z.number().int().positive().nullable().default(null),
  createdAt: z.number().int().nullable(),
  receivedAt: z.number().int(),
}) satisfies z.ZodType<FeedbackMessage>;

/**
 * When it happened: the provider's own time, so a mark set after queue retries still says when the email was
 * delivered or opened; never later than we received it (a clock ahead of ours).
 */
export const occurredAt = (message: FeedbackMessage) =>
  message.createdAt !== null && message.createdAt <= message.receivedAt ? message.createdAt : message.receivedAt;
