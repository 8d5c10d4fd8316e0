import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { FeedbackMessage } from "../../worker/env";
import { FEEDBACK_DEAD_LETTER_QUEUE, FEEDBACK_QUEUE } from "../../worker/feedback/consume-feedback";
import worker from "../../worker/index";

/** A provider event as the webhook route enqueues it (svix id random unless given). */
export function feedbackEvent(
  type: string,
  emailId: string | null,
  svixId = `msg_${crypto.randomUUID()}`,
  at = Date.now(),
): FeedbackMessage {
  return { svixId, type, emailId, deliveryTag: null, createdAt: at, receivedAt: at };
}

export interface Delivered<T> {
  id: string;
  body: T;
  attempts?: number;
}

let nextId = 0;
/** Queue messages with ids of their own (a redelivery keeps its id: pass it again). */
export const asMessages = <T>(bodies: T[], attempts = 1): Delivered<T>[] =>
  bodies.map((body) => ({ id: `q-${++nextId}`, body, attempts }));

/**
 * Hands messages to the Worker's queue() handler as the feedback queue (or its dead-letter queue) would, with
 * `db` in place of the D1 binding (a counting or faulty wrapper); answers what was acked and retried.
 */
export async function deliverFeedback(
  messages: Delivered<unknown>[],
  options: { db?: D1Database; dead?: boolean } = {},
): Promise<QueueResult> {
  const batch = createMessageBatch(
    options.dead ? FEEDBACK_DEAD_LETTER_QUEUE : FEEDBACK_QUEUE,
    messages.map(({ id, body, attempts }) => ({ id, body, attempts: attempts ?? 1, timestamp: new Date() })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<FeedbackMessage>, { ...env, DB: options.db ?? env.DB }, ctx);
  return getQueueResult(batch, ctx);
}

/** What recording may change, whole: a redelivery must leave every part of it as it was. */
export async function feedbackState() {
  const read = async (query: string) => (await env.DB.prepare(query).all()).results;
  return {
    partStats: await read("SELECT * FROM part_stats ORDER BY series, part_id"),
    deliveries: await read(
      "SELECT id, delivered_at, delayed_at, opened_at, bounced_at, complained_at, failed_at, status FROM deliveries ORDER BY id",
    ),
    subscribers: await read("SELECT id, status, suppressed_reason FROM subscribers ORDER BY id"),
    subscriptions: await read("SELECT id, status, due_at, batch_id FROM subscriptions ORDER BY id"),
    events: await read("SELECT subscriber_id, delivery_id, type, data FROM events ORDER BY id"),
    webhookEvents: await read("SELECT id, type, provider_message_id, delivery_id FROM webhook_events ORDER BY id"),
  };
}
