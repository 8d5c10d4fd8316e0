import type { DeliveryContext } from "../delivery/context";
import type { BatchMember } from "../delivery/delivery-queries";
import { reengageSql } from "./reengage-queries";
import { ASK_AFTER_MS, ruleIndex } from "./rules";

/**
 * The record's statement that queues a "Still reading?" check for each reader whose part just sent completes a
 * streak (delivery/record-batch.ts runs it in the same transaction, before the readers advance). O(1) per email:
 * the streak is the subscription's own counter. Null when no member's series has the rule: then the record is
 * exactly what it was without it.
 */
export function askReadersStatement(
  ctx: DeliveryContext,
  input: { batchId: string; members: BatchMember[]; sentPartsJson: string },
): D1PreparedStatement | null {
  const { batchId, members, sentPartsJson } = input;
  const { afterPartsJson } = ruleIndex(ctx.catalog);
  if (afterPartsJson === null || !members.some((member) => ctx.catalog.findSeries(member.series)?.reengage))
    return null;
  return ctx.meter.db
    .prepare(reengageSql.askReaders)
    .bind(batchId, ctx.now, afterPartsJson, sentPartsJson, ctx.now + ASK_AFTER_MS);
}
