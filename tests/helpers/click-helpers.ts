/**
 * Clicks as the click queue carries them, and its consumer driven by the test: the real Worker's queue handler
 * on a batch the test builds, so a test decides what is redelivered, retried, or delivered twice at once.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../worker/index";
import { CLICK_DEAD_LETTER_QUEUE, CLICK_QUEUE } from "../../worker/actions/consume-clicks";
import { newClickId } from "../../worker/actions/take-click";
import type { ClickMessage, Env } from "../../worker/env";
import type { DeliveredReader } from "./reader-helpers";

/** A click on link n of the reader's email at `at` (a minute after it was sent unless told). */
export function clickOf(
  reader: DeliveredReader,
  link: number,
  at: number,
  reason: ClickMessage["reason"] = null,
): ClickMessage {
  return {
    id: newClickId(),
    deliveryId: reader.deliveryId,
    series: reader.series,
    partId: reader.partId,
    link,
    at,
    reason,
  };
}

let sequence = 0;

/** Delivers these bodies to the Worker's queue handler as one batch; returns what it acked and retried. */
export async function consumeClicks(
  bodies: unknown[],
  options: { bindings?: Partial<Env>; queue?: string; attempts?: number } = {},
) {
  const messages = bodies.map((body) => ({
    id: `click-${++sequence}`,
    timestamp: new Date(),
    attempts: options.attempts ?? 1,
    body,
  }));
  const batch = createMessageBatch<unknown>(options.queue ?? CLICK_QUEUE, messages);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<ClickMessage>, { ...env, ...options.bindings }, ctx);
  const result = await getQueueResult(batch, ctx);
  const ids = new Map(messages.map((message, i) => [message.id, i]));
  return {
    /** Indexes (into `bodies`) of the messages acked and retried. */
    acked: result.explicitAcks.map((id) => ids.get(id)!),
    retried: result.retryMessages.map((retry) => ids.get(retry.msgId)!),
  };
}

export const consumeDeadClicks = (bodies: unknown[], bindings?: Partial<Env>) =>
  consumeClicks(bodies, { queue: CLICK_DEAD_LETTER_QUEUE, bindings });

/** A stand-in for the click queue that keeps what the route sent: the test delivers it itself. */
export function collectingClickQueue() {
  const sent: ClickMessage[] = [];
  const queue = {
    send: async (body: ClickMessage) => void sent.push(body),
    sendBatch: async (messages: Iterable<MessageSendRequest<ClickMessage>>) => {
      for (const message of messages) sent.push(message.body);
    },
  } as unknown as Queue<ClickMessage>;
  return { queue, sent };
}
