import type { DeliveryContext } from "./context";
import { sql } from "./delivery-queries";

/** The queue gave up on a batch (every retry failed): where its messages land (wrangler.toml). */
export const DEAD_LETTER_QUEUE = "nextpart-delivery-dlq";

/**
 * Records a dead-lettered batch as dead, with the reason and the time, in one transaction. Never attempted: its
 * readers go back in line. Attempted: it may have been delivered, so its readers stay held by it (marked failed)
 * for an admin to look at (GET /admin/api/batches?status=dead). False when the batch was no longer in flight.
 */
export async function recordDeadBatch(
  ctx: DeliveryContext,
  input: { batchId: string; reason: string },
): Promise<boolean> {
  const { meter } = ctx;
  const { batchId, reason } = input;
  const at = ctx.clock();
  const results = await meter.batch([
    meter.db.prepare(sql.releaseDeadDeliveries).bind(batchId),
    meter.db.prepare(sql.releaseDeadSubscriptions).bind(batchId, at),
    meter.db.prepare(sql.failDeadDeliveries).bind(batchId),
    meter.db.prepare(sql.markBatchDead).bind(batchId, at, reason.slice(0, 300)),
  ]);
  return results[3]!.results.length > 0;
}
