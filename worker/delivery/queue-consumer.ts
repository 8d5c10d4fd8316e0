import type { DeliveryMessage, Env } from "../env";
import { retryBackoffMs } from "./context";
import { createDeliveryContext } from "./index";
import { sendBatch } from "./send-batch";

/** Each message names one claimed batch; the consumer sends it. Queue retries + DLQ cover crashes. */
export async function consumeDeliveryMessages(batch: MessageBatch<DeliveryMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const ctx = createDeliveryContext(env);
    try {
      const outcome = await sendBatch(ctx, message.body.batchId);
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
