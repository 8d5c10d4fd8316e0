import type { AppDeps } from "../app-deps";
import type { DeliveryMessage } from "../env";
import { retryBackoffMs } from "./context";
import { DEAD_LETTER_QUEUE, recordDeadBatch } from "./dead-letter";
import { deliveryContext } from "./run-cycle";
import { sendBatch } from "./send-batch";

/** Each message names one claimed batch; the consumer sends it. Queue retries + DLQ cover crashes. */
export async function consumeDeliveryMessages(deps: AppDeps, batch: MessageBatch<DeliveryMessage>): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(deps, batch);
  for (const message of batch.messages) {
    // A context per message: each send is metered and timed on its own.
    const ctx = deliveryContext(deps);
    try {
      const outcome = await sendBatch(ctx, { batchId: message.body.batchId });
      if (outcome.kind === "rate_limited") {
        message.retry({ delaySeconds: Math.ceil(outcome.retryAfterMs / 1000) });
      } else if (outcome.kind === "unknown") {
        message.retry({ delaySeconds: Math.ceil(retryBackoffMs(message.attempts) / 1000) });
      } else {
        message.ack();
      }
    } catch (error) {
      console.error("delivery batch failed", message.body.batchId, error);
      message.retry({ delaySeconds: 30 });
    }
  }
}

/** Batches the delivery queue gave up on: recorded as dead, never dropped silently. */
async function consumeDeadLetters(deps: AppDeps, batch: MessageBatch<DeliveryMessage>): Promise<void> {
  for (const message of batch.messages) {
    try {
      const recorded = await recordDeadBatch(deliveryContext(deps), {
        batchId: message.body.batchId,
        reason: "dead-lettered by the delivery queue",
      });
      if (recorded) console.error("delivery batch dead-lettered", message.body.batchId);
      message.ack();
    } catch (error) {
      console.error("recording a dead-lettered batch failed", message.body.batchId, error);
      message.retry({ delaySeconds: 30 });
    }
  }
}
